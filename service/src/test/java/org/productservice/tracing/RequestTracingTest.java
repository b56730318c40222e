package org.productservice.tracing;

import java.util.List;
import java.util.Map;

import io.helidon.config.Config;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.productservice.logging.LogFormat;
import org.productservice.testing.Api;
import org.productservice.testing.LogCapture;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spans of real requests to the real server on the local engine, recorded in memory: the
 * server span continues the caller's trace, the DynamoDB calls are its children, expected
 * conditions are not errors, no user data lands in attributes, and the JSON log lines of a
 * request carry its trace and span ids.
 */
class RequestTracingTest {
    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
    private static RunningService server;
    private static Config config;
    private static Api api;
    private static Api admin;

    // Each test's requests continue a trace of their own: spans of earlier requests that end
    // late cannot be mistaken for this one's.
    private final String callerTrace = java.util.UUID.randomUUID().toString().replace("-", "");
    private final String traceparent = "00-" + callerTrace + "-" + CALLER_SPAN + "-01";
    private LogCapture capture;
    private List<String> logLines;

    @BeforeAll
    static void start() {
        // An endpoint is set so that tracing is on; the spans go to memory, not to it.
        config = TestEngine.get().config(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:9"));
        Tracing tracing = Tracing.create(TracingSettings.create(config), SPANS);
        server = RunningService.start(config, tracing);
        api = server.api();
        admin = server.admin();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void captureLogs() {
        SPANS.reset();
        // Access lines to the capture only, not to the console of the test run; the others too.
        capture = LogCapture.access(LogFormat.JSON).alsoFrom("");
        logLines = capture.lines();
    }

    @AfterEach
    void releaseLogs() {
        capture.close();
    }

    @Test
    void getContinuesTheCallersTraceWithADynamoDbChildSpan() throws Exception {
        String id = api.createProduct("Lamp", "bright").path("id").asText();

        Api.Response get = api.get("/products/" + id, "traceparent", traceparent, "tracestate", "vendor=opaque",
                                   "baggage", "tenant=blue");
        assertThat(get.status()).isEqualTo(200);

        List<SpanData> spans = awaitSpans(2);
        SpanData server = only(spans, SpanKind.SERVER);
        assertThat(server.getName()).isEqualTo("GET /products/{id}");
        assertThat(server.getTraceId()).isEqualTo(callerTrace);
        assertThat(server.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(server.getSpanContext().getTraceState().get("vendor")).isEqualTo("opaque");
        assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(server.getAttributes().asMap()).containsEntry(AttributeKey.stringKey("http.request.method"), "GET")
                .containsEntry(AttributeKey.stringKey("http.route"), "/products/{id}")
                .containsEntry(AttributeKey.stringKey("url.path"), "/products/" + id)
                .containsEntry(AttributeKey.stringKey("url.scheme"), "http")
                .containsEntry(AttributeKey.longKey("http.response.status_code"), 200L)
                .containsEntry(AttributeKey.stringKey("client.address"), "127.0.0.1")
                .containsEntry(AttributeKey.longKey("server.port"), (long) api_port());

        SpanData dynamo = only(spans, SpanKind.CLIENT);
        assertThat(dynamo.getName()).isEqualTo("DynamoDb.GetItem");
        assertThat(dynamo.getTraceId()).isEqualTo(callerTrace);
        assertThat(dynamo.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(dynamo.getAttributes().asMap())
                .containsEntry(AttributeKey.stringKey("rpc.system"), "aws-api")
                .containsEntry(AttributeKey.stringKey("rpc.service"), "DynamoDb")
                .containsEntry(AttributeKey.stringKey("rpc.method"), "GetItem")
                .containsEntry(AttributeKey.stringKey("db.system"), "dynamodb")
                .containsEntry(AttributeKey.stringArrayKey("aws.dynamodb.table_names"),
                               List.of(config.get("dynamodb.table.products").asString().get()))
                .containsEntry(AttributeKey.booleanKey("aws.dynamodb.consistent_read"), true)
                .containsEntry(AttributeKey.longKey("http.response.status_code"), 200L)
                .containsEntry(AttributeKey.longKey("http.request.resend_count"), 0L)
                .containsEntry(DynamoDbSpans.OUTCOME, "success")
                .containsKey(AttributeKey.stringKey("aws.request_id"));

        JsonNode accessLine = accessLine(get);
        assertThat(accessLine.path("trace_id").asText()).isEqualTo(callerTrace);
        assertThat(accessLine.path("span_id").asText()).isEqualTo(server.getSpanId());
        assertThat(accessLine.path("route").asText()).isEqualTo("/products/{id}");
    }

    @Test
    void anXRayTraceHeaderIsContinuedAndTraceparentWinsWhenBothCome() throws Exception {
        String xrayTrace = "5759e988bd862e3fe1be46a994272793";
        String xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        assertThat(api.get("/products/" + java.util.UUID.randomUUID(), "X-Amzn-Trace-Id", xray).status()).isEqualTo(404);
        SpanData fromXray = awaitServerSpan(xrayTrace);
        assertThat(fromXray.getParentSpanId()).isEqualTo("53995c3f42cd8ad8");

        assertThat(api.get("/products/" + java.util.UUID.randomUUID(), "X-Amzn-Trace-Id", xray, "traceparent", traceparent)
                           .status()).isEqualTo(404);
        assertThat(only(awaitSpans(2), SpanKind.SERVER).getParentSpanId()).isEqualTo(CALLER_SPAN);
    }

    @Test
    void staleUpdateIsA412WhoseConditionalCheckIsNotASpanError() throws Exception {
        String id = api.createProduct("Mug", "green").path("id").asText();
        api.send("PUT", "/products/" + id, "{\"name\": \"Mug\", \"description\": \"blue\"}",
                 "Content-Type", "application/json", "If-Match", "\"1\"");
        SPANS.reset();

        Api.Response stale = api.send("PUT", "/products/" + id, "{\"name\": \"Mug\", \"description\": \"red\"}",
                                      "Content-Type", "application/json", "If-Match", "\"1\"", "traceparent", traceparent);
        assertThat(stale.status()).isEqualTo(412);

        // The failed update, then the read that tells a 412 from a 404 (DynamoDB returns the item
        // with the failed condition; dynalite does not).
        List<SpanData> spans = awaitSpans(3);
        SpanData server = only(spans, SpanKind.SERVER);
        assertThat(server.getName()).isEqualTo("PUT /products/{id}");
        assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(412L);
        assertThat(spans).filteredOn(span -> span.getKind() == SpanKind.CLIENT).extracting(SpanData::getName)
                .containsExactlyInAnyOrder("DynamoDb.UpdateItem", "DynamoDb.GetItem");
        SpanData update = spans.stream().filter(span -> span.getName().equals("DynamoDb.UpdateItem")).findFirst().orElseThrow();
        assertThat(update.getName()).isEqualTo("DynamoDb.UpdateItem");
        assertThat(update.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(update.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(update.getAttributes().asMap())
                .containsEntry(DynamoDbSpans.OUTCOME, "condition_failed")
                .containsEntry(AttributeKey.stringKey("error.type"), "ConditionalCheckFailedException")
                .containsEntry(AttributeKey.longKey("http.response.status_code"), 400L);
    }

    @Test
    void idempotentCreateShowsItsClaimPutAndCompleteAsCalls() throws Exception {
        Api.Response created = api.create("{\"name\": \"Desk\", \"description\": \"oak\"}",
                                          "Idempotency-Key", "0c5e4c5a-2f7e-4c36-9a55-8f1f4f2f6f01",
                                          "traceparent", traceparent);
        assertThat(created.status()).isEqualTo(201);

        List<SpanData> spans = awaitSpans(4);
        SpanData server = only(spans, SpanKind.SERVER);
        assertThat(server.getName()).isEqualTo("POST /products");
        List<SpanData> calls = spans.stream().filter(span -> span.getKind() == SpanKind.CLIENT)
                .sorted(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos)).toList();
        assertThat(calls).extracting(SpanData::getName)
                .containsExactly("DynamoDb.PutItem", "DynamoDb.PutItem", "DynamoDb.UpdateItem");
        assertThat(calls).allSatisfy(call -> {
            assertThat(call.getParentSpanId()).isEqualTo(server.getSpanId());
            assertThat(call.getTraceId()).isEqualTo(callerTrace);
            assertThat(call.getAttributes().get(DynamoDbSpans.OUTCOME)).isEqualTo("success");
        });
        assertThat(calls.get(0).getAttributes().get(AttributeKey.stringArrayKey("aws.dynamodb.table_names")))
                .containsExactly(config.get("dynamodb.table.idempotency").asString().get());
        assertThat(calls.get(1).getAttributes().get(AttributeKey.stringArrayKey("aws.dynamodb.table_names")))
                .containsExactly(config.get("dynamodb.table.products").asString().get());
    }

    @Test
    void queryValuesBodiesAndHeadersStayOutOfSpans() throws Exception {
        api.createProduct("secret-name-42", "private words");

        Api.Response list = api.get("/products?name=secret-name-42&limit=5", "Authorization", "Bearer token-xyz",
                                    "traceparent", traceparent);
        assertThat(list.status()).isEqualTo(200);

        List<SpanData> spans = awaitSpans(2);
        SpanData server = only(spans, SpanKind.SERVER);
        assertThat(server.getName()).isEqualTo("GET /products");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/products");
        SpanData query = only(spans, SpanKind.CLIENT);
        assertThat(query.getName()).isEqualTo("DynamoDb.Query");
        assertThat(query.getAttributes().asMap())
                .containsEntry(AttributeKey.stringKey("aws.dynamodb.index_name"), config.get("dynamodb.table.index").asString().get())
                .containsEntry(AttributeKey.longKey("aws.dynamodb.count"), 1L)
                .containsEntry(AttributeKey.longKey("aws.dynamodb.scanned_count"), 1L);
        for (SpanData span : spans) {
            assertThat(span.getAttributes().asMap().values().toString())
                    .doesNotContain("secret-name-42").doesNotContain("private words").doesNotContain("token-xyz");
            assertThat(span.getName()).doesNotContain("secret");
        }
    }

    @Test
    void errorAnswersEndTheSpanWithTheirStatusAndKeepTheIdsInTheLog() throws Exception {
        Api.Response missing = api.get("/products/00000000-0000-0000-0000-000000000000", "traceparent", traceparent);
        assertThat(missing.status()).isEqualTo(404);

        SpanData server = only(awaitSpans(2), SpanKind.SERVER);
        assertThat(server.getName()).isEqualTo("GET /products/{id}");
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(404L);
        assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        JsonNode accessLine = accessLine(missing);
        assertThat(accessLine.path("status").asInt()).isEqualTo(404);
        assertThat(accessLine.path("trace_id").asText()).isEqualTo(callerTrace);
        assertThat(accessLine.path("span_id").asText()).isEqualTo(server.getSpanId());
    }

    @Test
    void aHugeUnmatchedPathIsCutShortInTheSpan() throws Exception {
        String path = "/scan/" + "a".repeat(4000);
        assertThat(api.get(path, "traceparent", traceparent).status()).isEqualTo(404);
        SpanData server = only(awaitSpans(1), SpanKind.SERVER);
        assertThat(server.getName()).isEqualTo("GET");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("url.path")))
                .hasSize(Tracing.MAX_ATTRIBUTE_LENGTH).isEqualTo(path.substring(0, Tracing.MAX_ATTRIBUTE_LENGTH));
        assertThat(server.getAttributes().get(AttributeKey.stringKey("http.route"))).isNull();
    }

    @Test
    void healthProbesAndScrapesMakeNoSpans() throws Exception {
        assertThat(admin.get("/observe/health/ready", "traceparent", traceparent).status()).isEqualTo(200);
        assertThat(admin.get("/observe/metrics", "traceparent", traceparent).status()).isEqualTo(200);
        api.get("/products/00000000-0000-0000-0000-000000000001", "traceparent", traceparent);
        // The product request's spans arrive; none of the observe requests made any.
        assertThat(awaitSpans(2)).extracting(SpanData::getName)
                .containsExactlyInAnyOrder("GET /products/{id}", "DynamoDb.GetItem");
    }

    private static int api_port() {
        return server.port();
    }

    private static SpanData only(List<SpanData> spans, SpanKind kind) {
        List<SpanData> matching = spans.stream().filter(span -> span.getKind() == kind).toList();
        assertThat(matching).as("%s spans in %s", kind, spans).hasSize(1);
        return matching.getFirst();
    }

    /** The spans of this test's trace; server spans end just after the response is sent, so wait briefly. */
    private List<SpanData> awaitSpans(int count) throws InterruptedException {
        for (int i = 0; i < 200 && ofThisTrace().size() < count; i++) {
            Thread.sleep(10);
        }
        Thread.sleep(50);
        assertThat(ofThisTrace()).hasSize(count);
        return ofThisTrace();
    }

    private static SpanData awaitServerSpan(String traceId) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            var found = SPANS.getFinishedSpanItems().stream()
                    .filter(span -> span.getTraceId().equals(traceId) && span.getKind() == SpanKind.SERVER).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no server span of trace " + traceId + " in " + SPANS.getFinishedSpanItems());
    }

    private List<SpanData> ofThisTrace() {
        return SPANS.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(callerTrace)).toList();
    }

    /** The access-log line of a response, found by its request id. */
    private JsonNode accessLine(Api.Response response) throws Exception {
        String requestId = response.header("X-Request-Id").orElseThrow();
        for (int i = 0; i < 200; i++) {
            synchronized (logLines) {
                for (String line : logLines) {
                    JsonNode json = JSON.readTree(line);
                    if ("request".equals(json.path("message").asText()) && requestId.equals(json.path("request_id").asText())) {
                        return json;
                    }
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no access line of request " + requestId + " in " + logLines);
    }
}
