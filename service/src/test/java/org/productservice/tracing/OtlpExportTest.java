package org.productservice.tracing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;


import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;

import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;

import com.sun.net.httpserver.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Export over the wire: the service, configured only through the standard {@code otel.*} keys,
 * posts OTLP http/protobuf to a real HTTP receiver started here, which decodes each export
 * request. A collector that never answers does not slow requests down.
 */
class OtlpExportTest {

    @Test
    void spansStillQueuedAreSentWhenTheServerStops() throws Exception {
        List<ExportTraceServiceRequest> received = new CopyOnWriteArrayList<>();
        HttpServer collector = collector(received, new CopyOnWriteArrayList<>());
        String trace = UUID.randomUUID().toString().replace("-", "");
        // A minute between batches: only the shutdown can send these spans in time.
        RunningService server = start(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + collector.getAddress().getPort(),
                                        "otel.bsp.schedule.delay", "60000"));
        try {
            Api api = new Api(server.port());
            assertThat(api.get("/products/" + UUID.randomUUID(), "traceparent", "00-" + trace + "-00f067aa0ba902b7-01").status())
                    .isEqualTo(404);
            Thread.sleep(200);
            assertThat(received).isEmpty();
            server.close();
            assertThat(awaitSpans(received, trace, 2)).extracting(Span::getName)
                    .containsExactlyInAnyOrder("GET /products/{id}", "DynamoDb.GetItem");
        } finally {
            server.close();
            collector.stop(0);
        }
    }

    @Test
    void aRequestsTraceReachesTheCollectorWithTheCallersTraceId() throws Exception {
        List<ExportTraceServiceRequest> received = new CopyOnWriteArrayList<>();
        List<String> contentTypes = new CopyOnWriteArrayList<>();
        HttpServer collector = collector(received, contentTypes);
        String trace = UUID.randomUUID().toString().replace("-", "");
        RunningService server = start(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + collector.getAddress().getPort(),
                                        "otel.exporter.otlp.headers", "X-Tenant=shop",
                                        "otel.service.name", "product-service-test",
                                        "otel.resource.attributes", "deployment.environment.name=test",
                                        "otel.bsp.schedule.delay", "100"));
        try {
            Api api = new Api(server.port());
            String id = api.createProduct("Chair", "wood").path("id").asText();
            Api.Response get = api.get("/products/" + id, "traceparent", "00-" + trace + "-00f067aa0ba902b7-01");
            assertThat(get.status()).isEqualTo(200);

            List<Span> spans = awaitSpans(received, trace, 2);
            assertThat(spans).extracting(Span::getName).containsExactlyInAnyOrder("GET /products/{id}", "DynamoDb.GetItem");
            Span serverSpan = spans.stream().filter(span -> span.getKind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();
            Span call = spans.stream().filter(span -> span.getKind() == Span.SpanKind.SPAN_KIND_CLIENT).findFirst().orElseThrow();
            assertThat(HexFormat.of().formatHex(serverSpan.getParentSpanId().toByteArray())).isEqualTo("00f067aa0ba902b7");
            assertThat(call.getParentSpanId()).isEqualTo(serverSpan.getSpanId());
            ResourceSpans resource = received.stream().flatMap(request -> request.getResourceSpansList().stream())
                    .filter(r -> r.getScopeSpansList().stream().anyMatch(s -> s.getSpansList().contains(serverSpan)))
                    .findFirst().orElseThrow();
            assertThat(resource.getResource().getAttributesList()).extracting(KeyValue::getKey, kv -> kv.getValue().getStringValue())
                    .contains(org.assertj.core.groups.Tuple.tuple("service.name", "product-service-test"),
                              org.assertj.core.groups.Tuple.tuple("deployment.environment.name", "test"));
            assertThat(contentTypes).isNotEmpty().allSatisfy(value -> assertThat(value).isEqualTo("application/x-protobuf shop"));
        } finally {
            server.close();
            collector.stop(0);
        }
    }

    @Test
    void aCollectorThatNeverAnswersDoesNotSlowRequests() throws Exception {
        // Accepts connections and reads nothing: every export waits for its timeout.
        List<Socket> held = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket blackHole = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!blackHole.isClosed()) {
                    try {
                        held.add(blackHole.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            RunningService server = start(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + blackHole.getLocalPort(),
                                            "otel.exporter.otlp.timeout", "5000",
                                            "otel.bsp.schedule.delay", "10",
                                            "otel.bsp.max.queue.size", "64",
                                            "otel.bsp.max.export.batch.size", "8"));
            try {
                Api api = new Api(server.port());
                String id = api.createProduct("Stool", "metal").path("id").asText();
                long slowest = 0;
                // Far more spans than the queue holds: the excess is dropped, never waited for.
                for (int i = 0; i < 200; i++) {
                    long start = System.nanoTime();
                    assertThat(api.get("/products/" + id).status()).isEqualTo(200);
                    slowest = Math.max(slowest, System.nanoTime() - start);
                }
                assertThat(held).as("the exporter did try the collector").isNotEmpty();
                assertThat(slowest / 1_000_000).as("slowest request, ms, with exports hanging for 5 s").isLessThan(1_000);
            } finally {
                server.close();
                synchronized (held) {
                    for (Socket socket : held) {
                        socket.close();
                    }
                }
            }
        }
    }

    /** A real OTLP http/protobuf receiver: decodes every export request it gets. */
    private static HttpServer collector(List<ExportTraceServiceRequest> received, List<String> contentTypes) throws IOException {
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                received.add(ExportTraceServiceRequest.parseFrom(body.readAllBytes()));
            }
            contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type") + " "
                                     + exchange.getRequestHeaders().getFirst("X-Tenant"));
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        collector.start();
        return collector;
    }

    private static RunningService start(Map<String, String> otel) {
        return RunningService.start(otel);
    }

    private static List<Span> awaitSpans(List<ExportTraceServiceRequest> received, String trace, int count)
            throws InterruptedException {
        List<Span> spans = List.of();
        for (int i = 0; i < 500 && spans.size() < count; i++) {
            Thread.sleep(10);
            spans = received.stream()
                    .flatMap(request -> request.getResourceSpansList().stream())
                    .flatMap(resource -> resource.getScopeSpansList().stream())
                    .flatMap(scope -> scope.getSpansList().stream())
                    .filter(span -> HexFormat.of().formatHex(span.getTraceId().toByteArray()).equals(trace))
                    .toList();
        }
        assertThat(spans).hasSize(count);
        return spans;
    }
}
