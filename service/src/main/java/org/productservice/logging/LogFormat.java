package org.productservice.logging;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.helidon.logging.common.HelidonMdc;

import org.productservice.http.RequestObserver;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

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

    private static String requestId(LogRecord record) {
        if (record.getParameters() != null && record.getParameters().length == 1
                && record.getParameters()[0] instanceof RequestObserver.AccessLogEntry entry) {
            return entry.requestId();
        }
        return HelidonMdc.get(RequestObserver.MDC_KEY).orElse(null);
    }

    private static String stackTrace(Throwable thrown) {
        StringWriter out = new StringWriter();
        thrown.printStackTrace(new PrintWriter(out));
        // Exception messages can quote client input: only the trace's own line breaks survive.
        return escape(out.toString(), true);
    }

    /**
     * Escapes control characters (C0, DEL, C1, and the Unicode line and paragraph separators) as
     * a backslash, x and two hex digits (or u and four), so that a logged value (a request path, a header) cannot
     * forge a log line or send terminal escape sequences.
     *
     * @param value          text to log
     * @param keepLineBreaks whether {@code \n} and {@code \t} stay (stack traces)
     * @return the text, safe on one line
     */
    static String escape(String value, boolean keepLineBreaks) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029';
            if (control && !(keepLineBreaks && (c == '\n' || c == '\t'))) {
                if (out == null) {
                    out = new StringBuilder(value.length() + 16).append(value, 0, i);
                }
                out.append(c <= 0xFF ? String.format("\\x%02X", (int) c) : String.format("\\u%04X", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? value : out.toString();
    }

    private static final class JsonFormatter extends Formatter {
        private static final JsonFactory JSON = new JsonFactory();

        @Override
        public String format(LogRecord record) {
            StringWriter out = new StringWriter(256);
            try (JsonGenerator json = JSON.createGenerator(out)) {
                json.writeStartObject();
                json.writeStringField("time", record.getInstant().toString());
                json.writeStringField("level", record.getLevel().getName());
                json.writeStringField("logger", record.getLoggerName());
                if (record.getParameters() != null && record.getParameters().length == 1
                        && record.getParameters()[0] instanceof RequestObserver.AccessLogEntry entry) {
                    json.writeStringField("message", "request");
                    for (Map.Entry<String, Object> field : entry.fields().entrySet()) {
                        json.writeObjectField(field.getKey(), field.getValue() instanceof String text
                                ? escape(text, false) : field.getValue());
                    }
                } else {
                    // JSON escapes C0 controls itself; C1 and U+2028/9 are escaped here like in text.
                    json.writeStringField("message", escape(formatMessage(record), false));
                    String requestId = requestId(record);
                    if (requestId != null) {
                        json.writeStringField("request_id", requestId);
                    }
                }
                writeTraceIds(json);
                json.writeStringField("thread", Thread.currentThread().getName());
                if (record.getThrown() != null) {
                    json.writeStringField("error", String.valueOf(record.getThrown()));
                    json.writeStringField("stack_trace", stackTrace(record.getThrown()));
                }
                json.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.append(System.lineSeparator()).toString();
        }
    }

    /** The trace and span of the request being served, when tracing is on (set by the tracing filter). */
    private static void writeTraceIds(JsonGenerator json) throws IOException {
        String traceId = HelidonMdc.get(TRACE_ID).orElse(null);
        if (traceId != null) {
            json.writeStringField(TRACE_ID, traceId);
            json.writeStringField(SPAN_ID, HelidonMdc.get(SPAN_ID).orElse(""));
        }
    }

    private static final class TextFormatter extends Formatter {
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder(160)
                    .append(TIME.format(Instant.from(record.getInstant())))
                    .append(' ').append(String.format("%-7s", record.getLevel().getName()))
                    .append(' ').append(shortName(record.getLoggerName()));
            String requestId = requestId(record);
            if (requestId != null && !(record.getParameters() != null && record.getParameters().length == 1
                    && record.getParameters()[0] instanceof RequestObserver.AccessLogEntry)) {
                line.append(" [").append(requestId).append(']');
            }
            line.append(" ").append(escape(formatMessage(record), false)).append(System.lineSeparator());
            if (record.getThrown() != null) {
                line.append(stackTrace(record.getThrown()));
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
