package org.productservice.faults;

import java.util.List;
import java.util.Map;

import io.helidon.config.Config;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;

import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;
import org.productservice.tracing.Tracing;
import org.productservice.tracing.TracingSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A DynamoDB call that DynamoDB throttles on every attempt, traced: one client span for the
 * call, its resends counted and each retry an event, the throttling its error type, and a
 * server span that ends in the 503 it answered.
 */
class TracedRetriesTest {

    @Test
    void aThrottledCallIsOneSpanWithItsRetriesAsEvents() throws Exception {
        String trace = "0af7651916cd43dd8448eb211c80319c";
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (FaultProxy proxy = FaultProxy.start(TestEngine.get().endpoint())) {
            Config config = TestEngine.config(proxy.endpoint(), Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:9"));
            RunningService server = RunningService.start(config, Tracing.create(TracingSettings.create(config), spans));
            try {
                Api api = new Api(server.port());
                String id = api.createProduct("throttled", "traced").path("id").asText();
                proxy.throttle("ThrottlingException");
                Api.Response read = api.get("/products/" + id, "traceparent", "00-" + trace + "-b7ad6b7169203331-01");
                assertThat(read.status()).isEqualTo(503);

                List<SpanData> traced = awaitTrace(spans, trace, 2);
                SpanData call = traced.stream().filter(span -> span.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
                assertThat(call.getName()).isEqualTo("DynamoDb.GetItem");
                assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
                assertThat(call.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("ThrottlingException");
                assertThat(call.getAttributes().get(AttributeKey.stringKey("productservice.dynamodb.outcome"))).isEqualTo("error");
                assertThat(call.getAttributes().get(AttributeKey.longKey("http.request.resend_count")))
                        .as("dynamodb.retry.attempts is 3").isEqualTo(2L);
                assertThat(call.getEvents()).extracting(EventData::getName).containsExactly("retry", "retry");
                assertThat(call.getEvents()).extracting(event -> event.getAttributes().get(AttributeKey.longKey("http.request.resend_count")))
                        .containsExactly(1L, 2L);
                SpanData request = traced.stream().filter(span -> span.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
                assertThat(call.getParentSpanId()).isEqualTo(request.getSpanId());
                assertThat(request.getName()).isEqualTo("GET /products/{id}");
                assertThat(request.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
                assertThat(request.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(503L);
                assertThat(request.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("503");
            } finally {
                server.close();
            }
        }
    }

    private static List<SpanData> awaitTrace(InMemorySpanExporter spans, String trace, int count) throws InterruptedException {
        List<SpanData> traced = List.of();
        for (int i = 0; i < 300 && traced.size() < count; i++) {
            Thread.sleep(10);
            traced = spans.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(trace)).toList();
        }
        assertThat(traced).hasSize(count);
        return traced;
    }
}
