package org.productservice.http;

import java.text.DecimalFormatSymbols;
import java.util.Locale;

/**
 * One access-log line; the log formatters render it as fields (JSON) or as its {@link #toString()} (text).
 *
 * @param requestId  request id
 * @param method     HTTP method
 * @param route      route template, never the raw path with ids
 * @param path       raw path (kept out of metrics, useful in logs)
 * @param status     response status
 * @param durationMs time to the last byte of the response
 * @param principal  the authenticated caller, null if none
 */
public record AccessLogEntry(String requestId, String method, String route, String path, int status, double durationMs,
                             String principal) {
    /** The last default format locale seen by {@link #appendOneDecimal}, and whether it is plain. */
    private static volatile PlainLocale plainLocale = new PlainLocale(null, false);

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(128).append(method).append(' ').append(path).append(" -> ").append(status)
                .append(" in ");
        appendOneDecimal(text, durationMs);
        text.append(" ms (route ").append(route).append(", request ").append(requestId);
        if (principal != null) {
            text.append(", principal ").append(principal);
        }
        return text.append(')').toString();
    }

    /**
     * Appends a value as {@code String.format("%.1f", value)} writes it, without the cost of a
     * Formatter per access line: that rounds the shortest decimal of the double ({@link
     * Double#toString}) half up, and writes it in the default format locale.
     */
    static void appendOneDecimal(StringBuilder out, double value) {
        if (value >= 0 && value < 1e7 && Double.doubleToRawLongBits(value) >= 0 && plainDecimals()) {
            if (value < 1e-3) {
                // Below 0.05 anyway; Double.toString would switch to scientific notation here.
                out.append("0.0");
                return;
            }
            String shortest = Double.toString(value);
            int dot = shortest.indexOf('.');
            long tenths = Long.parseLong(shortest, 0, dot, 10) * 10 + (shortest.charAt(dot + 1) - '0');
            if (dot + 2 < shortest.length() && shortest.charAt(dot + 2) >= '5') {
                tenths++;
            }
            out.append(tenths / 10).append('.').append((char) ('0' + tenths % 10));
        } else {
            out.append(String.format("%.1f", value));
        }
    }

    /** Whether the default format locale writes ASCII digits and a dot, as the fast path does. */
    private static boolean plainDecimals() {
        Locale locale = Locale.getDefault(Locale.Category.FORMAT);
        PlainLocale known = plainLocale;
        if (known.locale != locale) {
            DecimalFormatSymbols symbols = DecimalFormatSymbols.getInstance(locale);
            known = new PlainLocale(locale, symbols.getZeroDigit() == '0' && symbols.getDecimalSeparator() == '.');
            plainLocale = known;
        }
        return known.plain;
    }

    private record PlainLocale(Locale locale, boolean plain) {
    }
}
