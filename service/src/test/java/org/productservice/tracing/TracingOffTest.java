package org.productservice.tracing;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.helidon.config.Config;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;

import org.junit.jupiter.api.Test;
import org.productservice.logging.LogFormat;
import org.productservice.testing.Api;
import org.productservice.testing.LogCapture;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** Without an endpoint nothing traces at all; a request sampled out records nothing. */
class TracingOffTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void withoutAnEndpointLogLinesCarryNoTraceIdsEvenWhenTheCallerSendsOne() throws Exception {
        Config config = TestEngine.get().config(Map.of());
        assertThat(TracingSettings.create(config).enabled()).isFalse();
        RunningService server = RunningService.start(config);
        try {
            JsonNode line = accessLine(server, "traceparent", TRACEPARENT);
            assertThat(line.has("request_id")).isTrue();
            assertThat(line.has("trace_id")).isFalse();
            assertThat(line.has("span_id")).isFalse();
        } finally {
            server.close();
        }
    }

    @Test
    void aRequestSampledOutRecordsNoSpansButItsLogsStillCorrelate() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        Config config = TestEngine.get().config(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:9",
                                                       "otel.traces.sampler.arg", "0"));
        RunningService server = RunningService.start(config, Tracing.create(TracingSettings.create(config), spans));
        try {
            // A new trace (no traceparent) at ratio 0: sampled out, with ids for the logs all the same.
            JsonNode line = accessLine(server);
            assertThat(line.path("trace_id").asText()).hasSize(32);
            assertThat(line.path("span_id").asText()).hasSize(16);
            Thread.sleep(100);
            assertThat(spans.getFinishedSpanItems()).isEmpty();
        } finally {
            server.close();
        }
    }

    /** Sends one GET of a missing product and returns its JSON access-log line. */
    private static JsonNode accessLine(RunningService server, String... headers) throws Exception {
        try (LogCapture access = LogCapture.access(LogFormat.JSON)) {
            List<String> lines = access.lines();
            Api.Response response = new Api(server.port()).get("/products/" + UUID.randomUUID(), headers);
            assertThat(response.status()).isEqualTo(404);
            String requestId = response.header("X-Request-Id").orElseThrow();
            for (int i = 0; i < 200; i++) {
                synchronized (lines) {
                    for (String line : lines) {
                        JsonNode json = JSON.readTree(line);
                        if (requestId.equals(json.path("request_id").asText())) {
                            return json;
                        }
                    }
                }
                Thread.sleep(10);
            }
            throw new AssertionError("no access line for " + requestId + " in " + lines);
        }
    }
}
