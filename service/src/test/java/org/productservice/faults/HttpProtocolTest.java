package org.productservice.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.productservice.testing.RawHttp;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.1 as RFC 9110 and 9112 have it, on real sockets: HEAD, pipelining after HEAD, Expect,
 * chunk framing, case-sensitive methods, {@code OPTIONS *} and HTTP/1.0 clients.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpProtocolTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);
    // Far below the body timeout (20 s) that answered these before, far above a loaded machine's delays.
    private static final Duration AT_ONCE = Duration.ofSeconds(5);
    private static final String MISSING = "3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9e0f12";

    private RunningService service;
    private String id;

    @BeforeAll
    void start() {
        service = RunningService.start(TestEngine.get().endpoint(), Map.of());
        id = service.api().createProduct("head", "answered like GET").path("id").asText();
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void headAnswersLikeGetWithoutTheBodyAndThePipelinedGetStillParses() throws Exception {
        for (String path : List.of("/products/" + id, "/products?limit=5", "/openapi")) {
            String answer = RawHttp.exchange(service.port(), "HEAD " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", WAIT);
            RawHttp.Parsed parsed = RawHttp.parse(answer, List.of("HEAD", "GET"));
            assertThat(parsed.rest()).as(path + ": bytes after the two answers").isEmpty();
            RawHttp.Response head = parsed.responses().get(0);
            RawHttp.Response get = parsed.responses().get(1);
            assertThat(head.status()).as(path).isEqualTo(200).isEqualTo(get.status());
            assertThat(head.header("content-length")).as(path).isEqualTo(get.header("content-length"))
                    .isEqualTo(Integer.toString(get.body().length()));
            assertThat(head.header("content-type")).as(path).isEqualTo(get.header("content-type"));
            assertThat(head.header("etag")).as(path).isEqualTo(get.header("etag"));
        }
        RawHttp.Response get = RawHttp.parse(RawHttp.exchange(service.port(), "GET /products/" + id
                + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", WAIT), List.of("GET")).responses().getFirst();
        assertThat(get.header("etag")).isEqualTo("\"1\"");
        assertThat(JSON.readTree(get.body()).path("id").asText()).isEqualTo(id);
    }

    static Stream<Arguments> headErrors() {
        return Stream.of(
                Arguments.of("api", "/products/" + MISSING, 404),
                Arguments.of("api", "/products/not-a-uuid", 400),
                Arguments.of("api", "/products?limit=0", 400),
                Arguments.of("api", "/nowhere", 404),
                Arguments.of("api", "/products/" + MISSING + "/deeper", 404),
                Arguments.of("admin", "/nowhere", 404),
                Arguments.of("admin", "/observe/metrics", 404),
                Arguments.of("admin", "/observe/health/live", 204));
    }

    @ParameterizedTest(name = "HEAD {1} on {0} -> {2}")
    @MethodSource("headErrors")
    void headAnswersCarryNoBodySoThePipelinedRequestIsAnsweredCorrectly(String listener, String path, int status) {
        boolean api = listener.equals("api");
        int port = api ? service.port() : service.adminPort();
        String next = api ? "/products?limit=1" : "/observe/health/ready";
        String answer = RawHttp.exchange(port, "HEAD " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET " + next + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", WAIT);
        RawHttp.Parsed parsed = RawHttp.parse(answer, List.of("HEAD", "GET"));
        assertThat(parsed.responses()).as(answer).hasSize(2);
        assertThat(parsed.responses().get(0).status()).as(answer).isEqualTo(status);
        assertThat(parsed.responses().get(1).status()).as(answer).isEqualTo(200);
        assertThat(parsed.responses().get(1).body()).as(answer).startsWith("{").endsWith("}");
        assertThat(parsed.rest()).as(answer).isEmpty();
    }

    @Test
    void headRefusedBeforeRoutingCarriesNoBodyEither() {
        for (int port : List.of(service.port(), service.adminPort())) {
            String answer = RawHttp.exchange(port, "HEAD /products HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n", WAIT);
            RawHttp.Parsed parsed = RawHttp.parse(answer, List.of("HEAD"));
            assertThat(parsed.responses()).as(answer).singleElement()
                    .satisfies(response -> assertThat(response.status()).isEqualTo(417))
                    .satisfies(response -> assertThat(response.header("content-type")).isEqualTo("application/problem+json"));
            assertThat(parsed.rest()).as("no body, and the connection closed").isEmpty();
        }
    }

    @Test
    void anExpectationOtherThan100ContinueGets417AtOnce() throws Exception {
        long start = System.nanoTime();
        String answer = RawHttp.exchange(service.port(), "POST /products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 40\r\nExpect: 200-ok\r\n\r\n", WAIT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(AT_ONCE);
        RawHttp.Response response = RawHttp.parse(answer, List.of("POST")).responses().getFirst();
        assertThat(response.status()).isEqualTo(417);
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("status").asInt()).isEqualTo(417);
        assertThat(problem.path("instance").asText()).isEqualTo("/products");
        assertThat(problem.path("request_id").asText()).isEqualTo(response.header("x-request-id"));
    }

    @Test
    void expect100ContinueStillGetsTheGoAhead() {
        String answer = RawHttp.exchange(service.port(), "POST /products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 35\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{\"name\":\"go\",\"description\":\"ahead\"}",
                                         WAIT);
        assertThat(answer).contains("HTTP/1.1 201 ").doesNotContain("<still open>");
    }

    @Test
    void aChunkWithMoreDataThanItsSizeGets400AtOnce() {
        for (String chunks : List.of("2\r\n{}}\r\n0\r\n\r\n", "1\r\n{}\r\n0\r\n\r\n", "4\r\n{\"a\":1}\r\n0\r\n\r\n")) {
            long start = System.nanoTime();
            String answer = RawHttp.exchange(service.port(), "POST /products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + chunks, WAIT);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as(chunks).isLessThan(AT_ONCE);
            RawHttp.Parsed parsed = RawHttp.parse(answer, List.of("POST"));
            assertThat(parsed.responses()).as(answer).singleElement()
                    .satisfies(response -> assertThat(response.status()).isEqualTo(400));
            assertThat(parsed.rest()).as(answer).isEmpty();
        }
    }

    @Test
    void methodsAreCaseSensitive() {
        for (String method : List.of("get", "Get", "gET", "post", "head")) {
            String answer = RawHttp.exchange(service.port(), method + " /products HTTP/1.1\r\nHost: x\r\n\r\n", WAIT);
            RawHttp.Parsed parsed = RawHttp.parse(answer, List.of(method));
            assertThat(parsed.responses()).as(method + ": " + answer).singleElement()
                    .satisfies(response -> assertThat(response.status()).isEqualTo(501))
                    .satisfies(response -> assertThat(response.body()).contains("\"status\":501"));
        }
        String answer = RawHttp.exchange(service.port(), "GET /products?limit=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                         WAIT);
        assertThat(answer).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void optionsAsteriskDescribesTheServer() {
        for (int port : List.of(service.port(), service.adminPort())) {
            String answer = RawHttp.exchange(port, "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", WAIT);
            RawHttp.Response response = RawHttp.parse(answer, List.of("OPTIONS")).responses().getFirst();
            assertThat(response.status()).as(answer).isEqualTo(204);
            assertThat(response.header("allow")).contains("GET", "HEAD", "POST", "OPTIONS");
        }
    }

    @Test
    void http10RequestsAreServedAndTheConnectionClosed() throws Exception {
        for (String request : List.of("GET /products/" + "%s HTTP/1.0\r\n\r\n", "GET /products/%s HTTP/1.0\r\nHost: x\r\n\r\n",
                                      "GET /products/%s HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"
                                              + "GET /products/%s HTTP/1.0\r\n\r\n")) {
            String answer = RawHttp.exchange(service.port(), request.formatted(id, id), WAIT);
            RawHttp.Parsed parsed = RawHttp.parse(answer, List.of("GET"));
            assertThat(parsed.responses()).as(answer).singleElement()
                    .satisfies(response -> assertThat(response.status()).isEqualTo(200))
                    .satisfies(response -> assertThat(response.header("connection")).isEqualTo("close"));
            assertThat(JSON.readTree(parsed.responses().getFirst().body()).path("id").asText()).isEqualTo(id);
            assertThat(parsed.rest()).as("one answer, then the connection is closed").isEmpty();
        }
        String head = RawHttp.exchange(service.adminPort(), "HEAD /observe/health/live HTTP/1.0\r\n\r\n", WAIT);
        assertThat(RawHttp.parse(head, List.of("HEAD")).rest()).isEmpty();
    }

    @Test
    void anHttp10ClientGetsAStreamedAnswerWithoutChunks() throws Exception {
        // Helidon streams the health answer in chunks to an HTTP/1.1 client.
        String chunked = RawHttp.exchange(service.adminPort(), "GET /observe/health HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n\r\n", WAIT);
        assertThat(chunked).containsIgnoringCase("Transfer-Encoding: chunked");

        String answer = RawHttp.exchange(service.adminPort(), "GET /observe/health HTTP/1.0\r\n\r\n", WAIT);
        assertThat(answer).startsWith("HTTP/1.1 200 ").doesNotContainIgnoringCase("Transfer-Encoding")
                .contains("Connection: close").doesNotContain("<still open>");
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertThat(JSON.readTree(body).path("status").asText()).isEqualTo("UP");
    }
}
