package org.productservice.logging;

import java.time.Instant;

/**
 * Appends the pieces of a log line to a {@link StringBuilder}: escaped text, JSON strings and
 * timestamps. The access log writes one line per request, so this avoids what the first version
 * did per line (a Jackson generator, a {@code StringWriter}, {@code String.format} per escaped
 * character, {@code Instant.toString}); the text it produces is the same, character for character.
 */
final class LineText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** The last second printed, with its text, shared by all threads (a log line's second rarely changes). */
    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, "");

    private LineText() {
    }

    /**
     * Whether a character is escaped in a logged value: C0 controls, DEL, C1 controls, and the
     * Unicode line and paragraph separators. Any of them can forge a line or drive a terminal.
     */
    static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029';
    }

    /**
     * Appends a value with its control characters escaped as a backslash, x and two hex digits
     * (or u and four).
     *
     * @param out            where to append
     * @param value          text to log
     * @param keepLineBreaks whether {@code \n} and {@code \t} stay (stack traces)
     */
    static void appendEscaped(StringBuilder out, String value, boolean keepLineBreaks) {
        if (value == null) {
            out.append("null");
            return;
        }
        int length = value.length();
        int plain = 0;
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (isControl(c) && !(keepLineBreaks && (c == '\n' || c == '\t'))) {
                out.append(value, plain, i);
                appendControlEscape(out, c);
                plain = i + 1;
            }
        }
        out.append(value, plain, length);
    }

    /**
     * Appends a JSON string in quotes, escaped as Jackson's default generator does: quote,
     * backslash and the C0 controls ({@code \b \t \n \f \r}, the others as {@code \}{@code u00XX}),
     * everything else as it is (also lone surrogates: the handler's UTF-8 encoder turns them into
     * {@code ?}). {@code null} becomes the literal {@code null}.
     *
     * @param out   where to append
     * @param value the string
     */
    static void appendJsonString(StringBuilder out, String value) {
        appendJson(out, value, false, false);
    }

    /**
     * Appends a JSON string of a logged value: first escaped like {@link #appendEscaped}, then as a
     * JSON string, in one pass. The same text as {@code appendJsonString(appendEscaped(value))}.
     *
     * @param out            where to append
     * @param value          text to log
     * @param keepLineBreaks whether {@code \n} and {@code \t} stay (as JSON escapes)
     */
    static void appendJsonEscaped(StringBuilder out, String value, boolean keepLineBreaks) {
        appendJson(out, value, true, keepLineBreaks);
    }

    private static void appendJson(StringBuilder out, String value, boolean logEscape, boolean keepLineBreaks) {
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        int length = value.length();
        int plain = 0;
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            boolean control = logEscape && isControl(c) && !(keepLineBreaks && (c == '\n' || c == '\t'));
            if (control || c < 0x20 || c == '"' || c == '\\') {
                out.append(value, plain, i);
                if (control) {
                    // The backslash of the log escape is itself escaped in JSON.
                    out.append('\\');
                    appendControlEscape(out, c);
                } else {
                    appendJsonEscape(out, c);
                }
                plain = i + 1;
            }
        }
        out.append(value, plain, length).append('"');
    }

    private static void appendControlEscape(StringBuilder out, char c) {
        if (c <= 0xFF) {
            out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xF]);
        } else {
            out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
        }
    }

    private static void appendJsonEscape(StringBuilder out, char c) {
        switch (c) {
            case '"' -> out.append("\\\"");
            case '\\' -> out.append("\\\\");
            case '\b' -> out.append("\\b");
            case '\t' -> out.append("\\t");
            case '\n' -> out.append("\\n");
            case '\f' -> out.append("\\f");
            case '\r' -> out.append("\\r");
            default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
        }
    }

    /**
     * Appends an instant as {@link Instant#toString()} writes it (ISO-8601 in UTC, the fraction in
     * groups of three digits, none when zero). The text up to the second is computed once per second.
     *
     * @param out     where to append
     * @param instant the instant
     */
    static void appendIsoInstant(StringBuilder out, Instant instant) {
        long epochSecond = instant.getEpochSecond();
        Second second = lastSecond;
        if (second.epochSecond != epochSecond) {
            String text = Instant.ofEpochSecond(epochSecond).toString();
            second = new Second(epochSecond, text.substring(0, text.length() - 1));
            lastSecond = second;
        }
        out.append(second.text);
        int nano = instant.getNano();
        if (nano != 0) {
            out.append('.');
            if (nano % 1_000_000 == 0) {
                appendDigits(out, nano / 1_000_000, 3);
            } else if (nano % 1000 == 0) {
                appendDigits(out, nano / 1000, 6);
            } else {
                appendDigits(out, nano, 9);
            }
        }
        out.append('Z');
    }

    /**
     * Appends the UTC time of day of an instant as {@code HH:mm:ss.SSS}.
     *
     * @param out     where to append
     * @param instant the instant
     */
    static void appendTimeOfDay(StringBuilder out, Instant instant) {
        int secondOfDay = (int) Math.floorMod(instant.getEpochSecond(), 86_400L);
        appendDigits(out, secondOfDay / 3600, 2);
        out.append(':');
        appendDigits(out, secondOfDay / 60 % 60, 2);
        out.append(':');
        appendDigits(out, secondOfDay % 60, 2);
        out.append('.');
        appendDigits(out, instant.getNano() / 1_000_000, 3);
    }

    /** Appends a non-negative number with leading zeros to the given width. */
    private static void appendDigits(StringBuilder out, int value, int width) {
        for (int scale = pow10(width - 1); scale > 0; scale /= 10) {
            out.append((char) ('0' + value / scale % 10));
        }
    }

    private static int pow10(int exponent) {
        int value = 1;
        for (int i = 0; i < exponent; i++) {
            value *= 10;
        }
        return value;
    }

    private record Second(long epochSecond, String text) {
    }
}
