package org.productservice.logging;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import io.helidon.logging.common.HelidonMdc;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.productservice.http.AccessLogEntry;
import org.productservice.http.RequestIds;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The log lines, character for character. The formatters write JSON by hand: the reference for
 * its string escaping is Jackson's generator, which wrote these lines before (and whose output
 * log pipelines already parse).
 */
class LogFormatTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JACKSON = new JsonFactory();
    private static final Instant AT = Instant.parse("2026-11-30T23:59:58.123456Z");
    private static final String NL = System.lineSeparator();

    @BeforeEach
    @AfterEach
    void clearMdc() {
        HelidonMdc.remove(RequestIds.MDC_KEY);
        HelidonMdc.remove("trace_id");
        HelidonMdc.remove("span_id");
    }

    @Test
    void everyCharacterOfAMessageIsEscapedAsBeforeInJsonAndText() throws IOException {
        for (int c = 0; c <= 0xFFFF; c++) {
            String message = "a" + (char) c + "b";
            LogRecord record = record(Level.INFO, message);

            String expected = "a" + logEscape(String.valueOf((char) c)) + "b";
            assertThat(LogFormat.JSON.formatter().format(record))
                    .as("U+%04X", c)
                    .isEqualTo("{\"time\":\"2026-11-30T23:59:58.123456Z\",\"level\":\"INFO\",\"logger\":\"org.example.Test\","
                               + "\"message\":" + jackson(expected) + ",\"thread\":" + jackson(threadName()) + "}" + NL);
            assertThat(LogFormat.TEXT.formatter().format(record))
                    .as("U+%04X", c)
                    .isEqualTo("23:59:58.123 INFO    Test " + expected + NL);
        }
    }

    @Test
    void controlCharactersBecomeVisibleEscapesThatNoLogReaderTakesForALineBreak() throws IOException {
        String message = "x\r\n12:00:00.000 INFO forged\u001B[31m\u0000\u007F\u0085\u009B\u2028\u2029\t\"\\";
        LogRecord record = record(Level.WARNING, message);

        String json = LogFormat.JSON.formatter().format(record);
        String text = LogFormat.TEXT.formatter().format(record);

        String escaped = "x\\x0D\\x0A12:00:00.000 INFO forged\\x1B[31m\\x00\\x7F\\x85\\x9B\\u2028\\u2029\\x09\"\\";
        assertThat(MAPPER.readTree(json).get("message").asText()).isEqualTo(escaped);
        assertThat(text).isEqualTo("23:59:58.123 WARNING Test " + escaped + NL);
        for (String line : List.of(json, text)) {
            assertThat(line.substring(0, line.length() - NL.length()))
                    .doesNotContain("\r", "\n", "\u001B", "\u0085", "\u009B", "\u2028", "\u2029", "\t");
        }
    }

    @Test
    void supplementaryCharactersLoneSurrogatesAndBothNormalFormsPassUnchanged() throws IOException {
        String composed = Normalizer.normalize("Crème brûlée, 東京, Ωmega", Normalizer.Form.NFC);
        String decomposed = Normalizer.normalize(composed, Normalizer.Form.NFD);
        assertThat(decomposed).isNotEqualTo(composed);
        for (String value : List.of(composed, decomposed, "emoji \uD83D\uDE00 and 𝄞", "lone \uD800 high", "lone \uDC00 low",
                                    "reversed \uDC00\uD800 pair")) {
            LogRecord record = record(Level.INFO, value);

            String json = LogFormat.JSON.formatter().format(record);

            // No normalisation and no replacement in the formatter: the handler's UTF-8 encoder
            // turns a lone surrogate into '?', as it did with the generator.
            assertThat(json).contains(",\"message\":" + jackson(value) + ",").contains(value);
            assertThat(LogFormat.TEXT.formatter().format(record)).isEqualTo("23:59:58.123 INFO    Test " + value + NL);
            if (!value.startsWith("lone") && !value.startsWith("reversed")) {
                assertThat(MAPPER.readTree(json.getBytes(StandardCharsets.UTF_8)).get("message").asText()).isEqualTo(value);
            }
        }
    }

    @Test
    void anAccessLineHasItsFieldsInTheirUsualOrderWithoutTraceIdsWhenTracingIsOff() throws IOException {
        LogRecord record = access(new AccessLogEntry("req-1", "GET", "/products/{id}", "/products/p\u001B1",
                                                                      404, 1.23456, null));

        assertThat(LogFormat.JSON.formatter().format(record))
                .isEqualTo("{\"time\":\"2026-11-30T23:59:58.123456Z\",\"level\":\"INFO\",\"logger\":\"org.productservice.access\","
                           + "\"message\":\"request\",\"duration_ms\":1.235,\"path\":\"/products/p\\\\x1B1\","
                           + "\"route\":\"/products/{id}\",\"method\":\"GET\",\"request_id\":\"req-1\",\"status\":404,"
                           + "\"thread\":" + jackson(threadName()) + "}" + NL);
        assertThat(LogFormat.TEXT.formatter().format(record))
                .isEqualTo("23:59:58.123 INFO    access GET /products/p\\x1B1 -> 404 in 1.2 ms (route /products/{id}, request req-1)"
                           + NL);
    }

    @Test
    void anAccessLineNamesThePrincipalAndCarriesTheTraceOfItsRequest() throws IOException {
        HelidonMdc.set("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
        HelidonMdc.set("span_id", "00f067aa0ba902b7");
        HelidonMdc.set(RequestIds.MDC_KEY, "not-this-one");
        LogRecord record = access(new AccessLogEntry("req-2", "PUT", "/products/{id}", "/products/p2", 200,
                                                                      12.0, "client \"one\""));

        assertThat(LogFormat.JSON.formatter().format(record))
                .isEqualTo("{\"time\":\"2026-11-30T23:59:58.123456Z\",\"level\":\"INFO\",\"logger\":\"org.productservice.access\","
                           + "\"message\":\"request\",\"duration_ms\":12.0,\"principal\":\"client \\\"one\\\"\","
                           + "\"path\":\"/products/p2\",\"route\":\"/products/{id}\",\"method\":\"PUT\",\"request_id\":\"req-2\","
                           + "\"status\":200,\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\","
                           + "\"thread\":" + jackson(threadName()) + "}" + NL);
        assertThat(LogFormat.TEXT.formatter().format(record))
                .isEqualTo("23:59:58.123 INFO    access PUT /products/p2 -> 200 in 12.0 ms"
                           + " (route /products/{id}, request req-2, principal client \"one\")" + NL);
    }

    @Test
    void anApplicationLineCarriesTheRequestIdAndATraceWithoutSpanAsAnEmptySpan() throws IOException {
        HelidonMdc.set(RequestIds.MDC_KEY, "req-3");
        HelidonMdc.set("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
        LogRecord record = record(Level.SEVERE, "failed {0}");
        record.setParameters(new Object[] {"item"});

        assertThat(LogFormat.JSON.formatter().format(record))
                .isEqualTo("{\"time\":\"2026-11-30T23:59:58.123456Z\",\"level\":\"SEVERE\",\"logger\":\"org.example.Test\","
                           + "\"message\":\"failed item\",\"request_id\":\"req-3\","
                           + "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"\","
                           + "\"thread\":" + jackson(threadName()) + "}" + NL);
        assertThat(LogFormat.TEXT.formatter().format(record)).isEqualTo("23:59:58.123 SEVERE  Test [req-3] failed item" + NL);
    }

    @Test
    void aStackTraceKeepsItsLineBreaksAndTabsAndEscapesEveryOtherControl() throws IOException {
        LogRecord record = record(Level.SEVERE, "boom");
        record.setThrown(new IllegalStateException("bad \"input\"\r\nforged\u001B"));
        StringWriter trace = new StringWriter();
        record.getThrown().printStackTrace(new java.io.PrintWriter(trace));
        String escapedTrace = trace.toString().replace("\r", "\\x0D").replace("\u001B", "\\x1B");

        String json = LogFormat.JSON.formatter().format(record);

        assertThat(json).isEqualTo("{\"time\":\"2026-11-30T23:59:58.123456Z\",\"level\":\"SEVERE\",\"logger\":\"org.example.Test\","
                                   + "\"message\":\"boom\",\"thread\":" + jackson(threadName()) + ","
                                   + "\"error\":" + jackson(String.valueOf(record.getThrown())) + ","
                                   + "\"stack_trace\":" + jackson(escapedTrace) + "}" + NL);
        assertThat(escapedTrace).startsWith("java.lang.IllegalStateException: bad \"input\"\\x0D\nforged\\x1B\n\tat ");
        assertThat(LogFormat.TEXT.formatter().format(record)).isEqualTo("23:59:58.123 SEVERE  Test boom" + NL + escapedTrace);
    }

    @Test
    void aRecordWithoutMessageOrLoggerNameIsStillALine() throws IOException {
        LogRecord record = record(Level.INFO, null);
        record.setLoggerName(null);

        JsonNode json = MAPPER.readTree(LogFormat.JSON.formatter().format(record));

        assertThat(json.get("logger").isNull()).isTrue();
        assertThat(json.get("message").isNull()).isTrue();
        assertThat(LogFormat.TEXT.formatter().format(record)).isEqualTo("23:59:58.123 INFO     null" + NL);
    }

    @Test
    void timestampsAreWrittenAsInstantToStringWritesThem() {
        Random random = new Random(14);
        List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochSecond(-1, 500_000_000),
                                                         Instant.parse("9999-12-31T23:59:59.999999999Z"),
                                                         Instant.parse("+10000-01-01T00:00:00Z"),
                                                         Instant.parse("-0001-06-30T12:00:00.000001Z"), AT,
                                                         AT.plusSeconds(1), AT));
        for (int i = 0; i < 20_000; i++) {
            long second = i % 2 == 0 ? 1_764_547_200L + random.nextInt(200_000) : random.nextLong(-100_000_000_000L, 300_000_000_000L);
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            instants.add(Instant.ofEpochSecond(second, nano));
        }
        DateTimeFormatter timeOfDay = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
        for (Instant instant : instants) {
            StringBuilder iso = new StringBuilder();
            StringBuilder time = new StringBuilder();

            LineText.appendIsoInstant(iso, instant);
            LineText.appendTimeOfDay(time, instant);

            assertThat(iso.toString()).isEqualTo(instant.toString());
            assertThat(time.toString()).isEqualTo(timeOfDay.format(instant));
        }
    }

    @Test
    void aLevelLongerThanItsColumnIsNotCut() {
        LogRecord record = record(new Level("VERY_CUSTOM", 850) {
        }, "m");

        assertThat(LogFormat.TEXT.formatter().format(record)).isEqualTo("23:59:58.123 VERY_CUSTOM Test m" + NL);
    }

    private static LogRecord record(Level level, String message) {
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName("org.example.Test");
        record.setInstant(AT);
        return record;
    }

    private static LogRecord access(AccessLogEntry entry) {
        LogRecord record = new LogRecord(Level.INFO, "{0}");
        record.setLoggerName("org.productservice.access");
        record.setParameters(new Object[] {entry});
        record.setInstant(AT);
        return record;
    }

    private static String threadName() {
        return Thread.currentThread().getName();
    }

    /** The log escaping, as specified: C0, DEL, C1, U+2028 and U+2029 as \xHH or \\uHHHH. */
    private static String logEscape(String value) {
        StringBuilder out = new StringBuilder();
        for (char c : value.toCharArray()) {
            boolean control = c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029';
            out.append(!control ? String.valueOf(c) : c <= 0xFF ? String.format("\\x%02X", (int) c) : String.format("\\u%04X", (int) c));
        }
        return out.toString();
    }

    /** A JSON string as Jackson's generator writes it. */
    private static String jackson(String value) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JACKSON.createGenerator(out)) {
            json.writeString(value);
        }
        return out.toString();
    }
}
