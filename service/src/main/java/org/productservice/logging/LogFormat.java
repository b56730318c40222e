package org.productservice.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.helidon.logging.jul.JulMdc;

import org.productservice.http.AccessLogEntry;
import org.productservice.http.RequestIds;

/**
 * The two log formats: {@code json}, one object per line for log pipelines (the default), and
 * {@code text}, for people reading a terminal ({@code make run}). Both carry the request id of
 * the request being served, and render access-log entries as fields.
 */
public enum LogFormat {
    /** One JSON object per line. */
    JSON(new JsonFormatter()),
    /** One human-readable line per record. */
    TEXT(new TextFormatter());

    private static final String TRACE_ID = "trace_id";
    private static final String SPAN_ID = "span_id";

    private final Formatter formatter;

    LogFormat(Formatter formatter) {
        this.formatter = formatter;
    }

    /**
     * Parses a configured format name.
     *
     * @param name {@code json} or {@code text}, any case
     * @return the format
     * @throws IllegalArgumentException for any other name
     */
    public static LogFormat parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "json" -> JSON;
            case "text" -> TEXT;
            default -> throw new IllegalArgumentException("log.format must be json or text, not " + name);
        };
    }

    /** Sets this format on every handler of the root logger. */
    public void install() {
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            handler.setFormatter(formatter);
        }
    }

    /**
     * The formatter of this format.
     *
     * @return formatter
     */
    public Formatter formatter() {
        return formatter;
    }

    /** The access-log entry a record carries (as written by the access log), or null. */
    private static AccessLogEntry accessEntry(LogRecord record) {
        Object[] parameters = record.getParameters();
        return parameters != null && parameters.length == 1
                && parameters[0] instanceof AccessLogEntry entry ? entry : null;
    }

    /**
     * A value of the logging MDC. The values set through {@code HelidonMdc} land in the JUL MDC
     * (helidon-logging-jul's provider), which these JUL formatters read directly: {@code
     * HelidonMdc.get} builds a stream over its providers on every call, twice per access line.
     */
    private static String mdc(String key) {
        return JulMdc.get(key);
    }

    private static String stackTrace(Throwable thrown) {
        StringWriter out = new StringWriter();
        thrown.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    /**
     * Writes the JSON object straight into a {@link StringBuilder}, with Jackson's escaping (see
     * {@link LineText#appendJsonString}): this formatter runs once per request, and a generator per
     * line cost more than the rest of the line (docs/PERFORMANCE.md).
     */
    private static final class JsonFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder out = new StringBuilder(384).append("{\"time\":\"");
            LineText.appendIsoInstant(out, record.getInstant());
            out.append("\",\"level\":");
            LineText.appendJsonString(out, record.getLevel().getName());
            out.append(",\"logger\":");
            LineText.appendJsonString(out, record.getLoggerName());
            AccessLogEntry entry = accessEntry(record);
            if (entry != null) {
                appendAccessFields(out, entry);
            } else {
                out.append(",\"message\":");
                // JSON escapes C0 controls itself; C1 and U+2028/9 are escaped here like in text.
                LineText.appendJsonEscaped(out, formatMessage(record), false);
                String requestId = mdc(RequestIds.MDC_KEY);
                if (requestId != null) {
                    out.append(",\"request_id\":");
                    LineText.appendJsonString(out, requestId);
                }
            }
            appendTraceIds(out);
            out.append(",\"thread\":");
            LineText.appendJsonString(out, Thread.currentThread().getName());
            if (record.getThrown() != null) {
                out.append(",\"error\":");
                LineText.appendJsonString(out, String.valueOf(record.getThrown()));
                out.append(",\"stack_trace\":");
                // Exception messages can quote client input: every control but \n and \t (which a trace needs) is escaped.
                LineText.appendJsonEscaped(out, stackTrace(record.getThrown()), true);
            }
            return out.append('}').append(System.lineSeparator()).toString();
        }

        /**
         * The access fields, in the order the first version wrote them (the iteration order of
         * its HashMap), so that the lines look as they always did: duration, principal (when
         * known), path, route, method, request id, status.
         */
        private static void appendAccessFields(StringBuilder out, AccessLogEntry entry) {
            out.append(",\"message\":\"request\",\"duration_ms\":").append(Math.round(entry.durationMs() * 1000) / 1000.0);
            if (entry.principal() != null) {
                out.append(",\"principal\":");
                LineText.appendJsonEscaped(out, entry.principal(), false);
            }
            out.append(",\"path\":");
            LineText.appendJsonEscaped(out, entry.path(), false);
            out.append(",\"route\":");
            LineText.appendJsonEscaped(out, entry.route(), false);
            out.append(",\"method\":");
            LineText.appendJsonEscaped(out, entry.method(), false);
            out.append(",\"request_id\":");
            LineText.appendJsonEscaped(out, entry.requestId(), false);
            out.append(",\"status\":").append(entry.status());
        }

        /** The trace and span of the request being served, when tracing is on (set by the tracing filter). */
        private static void appendTraceIds(StringBuilder out) {
            String traceId = mdc(TRACE_ID);
            if (traceId != null) {
                out.append(",\"trace_id\":");
                LineText.appendJsonString(out, traceId);
                out.append(",\"span_id\":");
                String spanId = mdc(SPAN_ID);
                LineText.appendJsonString(out, spanId == null ? "" : spanId);
            }
        }
    }

    private static final class TextFormatter extends Formatter {
        private static final int LEVEL_WIDTH = 7;

        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder(192);
            LineText.appendTimeOfDay(line, record.getInstant());
            String level = record.getLevel().getName();
            line.append(' ').append(level);
            for (int i = level.length(); i < LEVEL_WIDTH; i++) {
                line.append(' ');
            }
            line.append(' ').append(shortName(record.getLoggerName()));
            AccessLogEntry entry = accessEntry(record);
            if (entry == null) {
                String requestId = mdc(RequestIds.MDC_KEY);
                if (requestId != null) {
                    line.append(" [").append(requestId).append(']');
                }
            }
            line.append(' ');
            // An access record's message is "{0}": formatMessage would run a MessageFormat for its toString.
            boolean plainEntry = entry != null && "{0}".equals(record.getMessage()) && record.getResourceBundle() == null;
            LineText.appendEscaped(line, plainEntry ? entry.toString() : formatMessage(record), false);
            line.append(System.lineSeparator());
            if (record.getThrown() != null) {
                // Exception messages can quote client input: every control but \n and \t (which a trace needs) is escaped.
                LineText.appendEscaped(line, stackTrace(record.getThrown()), true);
            }
            return line.toString();
        }

        private static String shortName(String loggerName) {
            if (loggerName == null) {
                return "";
            }
            int dot = loggerName.lastIndexOf('.');
            return dot < 0 ? loggerName : loggerName.substring(dot + 1);
        }
    }
}
