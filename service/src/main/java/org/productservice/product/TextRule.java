package org.productservice.product;

import java.text.Normalizer;

/**
 * What a written text field accepts. Lengths count characters (code points), after
 * normalisation to NFC and, for a trimmed field, trimming.
 *
 * @param writeCode      the letter that stands for the field in a change's write entry
 *                       ({@link RecentWrites}); stored in items, so it never changes
 * @param trimmed        whether surrounding white space is dropped
 * @param minLength      fewest characters; 1 means "not blank"
 * @param maxLength      most characters
 * @param tabAndNewline  whether tab and newline are allowed (other control characters never are)
 * @param invisibleChars whether format and separator characters (bidi overrides, zero-width
 *                       spaces, line separators) are allowed
 */
record TextRule(char writeCode, boolean trimmed, int minLength, int maxLength, boolean tabAndNewline,
                boolean invisibleChars) {
    /** The message for a value with unpaired surrogates. */
    static final String UNPAIRED_SURROGATES = "must be valid Unicode (no unpaired surrogates)";

    /**
     * The value as it is kept: in one normal form (NFC), so that values that look the same are the
     * same (queries, idempotency), and trimmed if the rule says so.
     *
     * @param raw a value with no unpaired surrogates
     * @return the value to check and keep
     */
    String normalise(String raw) {
        return Normalizer.normalize(trimmed ? raw.strip() : raw, Normalizer.Form.NFC);
    }

    /**
     * What is wrong with a value under this rule.
     *
     * @param value the value as {@link #normalise} left it
     * @return the problem, as a field error's message, or null if there is none
     */
    String problem(String value) {
        int length = value.codePointCount(0, value.length());
        if (length < minLength()) {
            return minLength() == 1 ? "must not be blank" : "must be at least " + minLength() + " characters, not " + length;
        }
        if (length > maxLength()) {
            return "must be at most " + maxLength() + " characters, not " + length;
        }
        if (value.codePoints().anyMatch(c -> Character.isISOControl(c) && !(tabAndNewline() && (c == '\t' || c == '\n')))) {
            return tabAndNewline() ? "must not contain control characters other than tab and newline"
                                   : "must not contain control characters";
        }
        if (!invisibleChars() && value.codePoints().anyMatch(TextRule::invisible)) {
            return "must not contain format or separator characters such as "
                    + "right-to-left overrides, zero-width spaces or line separators";
        }
        return null;
    }

    /** Characters that change how a name displays without being seen: Cf (bidi overrides, zero-width), Zl, Zp. */
    private static boolean invisible(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    /**
     * Whether a value has no unpaired surrogates: JSON escapes can encode them, and they cannot be
     * stored as UTF-8 without loss.
     *
     * @param value a raw value
     * @return true if the value is valid Unicode
     */
    static boolean validUnicode(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
