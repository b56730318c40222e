package org.productservice.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.productservice.testing.RawHttp;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Answers the server gives before routing (the concurrency limiter's 503, the connection cap's
 * 503) are counted in {@code http_server_refusals_total}, written to the access log with the
 * request id of their problem body, and logged by reason at most once a second.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RefusalsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final String ID = "3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9e0f12";

    private ServerSocket blackHole;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private RunningService service;
    private HostileConnections.LogRecorder logs;

    @BeforeAll
    void start() throws IOException {
        // An "engine" that accepts connections and never answers: a request holds its slot until
        // the DynamoDB call times out.
        blackHole = new ServerSocket(0);
        Thread.ofVirtual().start(() -> {
            while (!blackHole.isClosed()) {
                try {
                    accepted.add(blackHole.accept());
                } catch (IOException e) {
                    return;
                }
            }
        });
        service = RunningService.start("http://127.0.0.1:" + blackHole.getLocalPort(),
                                       Map.of("limits.concurrency", "1",
                                              "limits.queue", "0",
                                              "connections.max", "6",
                                              "dynamodb.timeout.call", "PT8S",
                                              "dynamodb.timeout.attempt", "PT8S"));
        logs = new HostileConnections.LogRecorder();
    }

    @AfterAll
    void stop() throws IOException {
        logs.close();
        service.close();
        blackHole.close();
        for (Socket socket : accepted) {
            socket.close();
        }
    }

    @Test
    void aLimiterRefusalIsAnsweredCountedLoggedAndInTheAccessLog() throws Exception {
        Thread holder = Thread.ofVirtual().start(() -> service.api().get("/products/" + ID));
        Thread.sleep(500);
        try {
            String path = "/products/" + ID;
            RawHttp.Response refused = awaitRefusal("GET " + path + "?from=test HTTP/1.1\r\nHost: x\r\n\r\n", "GET");
            assertThat(refused.header("retry-after")).isEqualTo("1");
            JsonNode problem = JSON.readTree(refused.body());
            assertThat(problem.path("status").asInt()).isEqualTo(503);
            assertThat(problem.path("instance").asText()).isEqualTo(path);
            String requestId = problem.path("request_id").asText();
            assertThat(requestId).isNotBlank().isEqualTo(refused.header("x-request-id"));

            String head = RawHttp.exchange(service.port(), "HEAD " + path + " HTTP/1.1\r\nHost: x\r\n\r\n", WAIT);
            RawHttp.Parsed headParsed = RawHttp.parse(head, List.of("HEAD"));
            assertThat(headParsed.responses()).as(head).singleElement()
                    .satisfies(response -> assertThat(response.status()).isEqualTo(503));
            assertThat(headParsed.rest()).as("no body after a HEAD").isEmpty();

            assertThat(logs.accessLines()).as("access log")
                    .anySatisfy(line -> assertThat(line).startsWith("GET " + path + " -> 503 in ")
                            .contains("route /products/{id}").contains("request " + requestId));
            assertThat(refusals("@default", 503, "concurrency_limit")).isGreaterThanOrEqualTo(2);
            awaitRefusalLine("503 (concurrency_limit) on listener @default");
        } finally {
            holder.join(Duration.ofSeconds(15));
        }
    }

    @Test
    void aConnectionOverTheCapIsCountedAndLogged() throws Exception {
        double before = refusals("@default", 503, "connection_cap");
        List<Socket> idle = new ArrayList<>();
        try {
            String answer = "";
            for (int i = 0; i < 12 && !answer.startsWith("HTTP/1.1 503"); i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), service.port());
                idle.add(socket);
                // Briefly: at the cap a connection that has sent nothing for over a second makes room
                // for a new one, so the cap refuses only while the herd is younger than that.
                socket.setSoTimeout(50);
                try {
                    byte[] bytes = socket.getInputStream().readNBytes(12);
                    answer = new String(bytes, StandardCharsets.ISO_8859_1);
                } catch (IOException nothingYet) {
                    // an accepted connection waiting for its request
                }
            }
            assertThat(answer).startsWith("HTTP/1.1 503");
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
        assertThat(refusals("@default", 503, "connection_cap")).isGreaterThan(before);
        awaitRefusalLine("503 (connection_cap) on listener @default");
    }

    @Test
    void aSlowReaderIsLoggedForTheTimeItTookToWriteTheAnswer() throws Exception {
        String path = "/docs/swagger-ui-bundle.js";
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), service.port()));
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            long start = System.nanoTime();
            // About 1.7 MB through a 4 KB window, a pause after each read: seconds to read it all.
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                Thread.sleep(5);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofSeconds(1));
        }
        Pattern logged = Pattern.compile(Pattern.quote("GET " + path + " -> 200 in ") + "([0-9.]+) ms.*");
        String line = logs.accessLines().stream().filter(l -> logged.matcher(l).matches()).findFirst().orElseThrow();
        Matcher matcher = logged.matcher(line);
        assertThat(matcher.matches()).isTrue();
        assertThat(Double.parseDouble(matcher.group(1))).as(line).isGreaterThan(500);
    }

    private RawHttp.Response awaitRefusal(String request, String method) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        while (true) {
            String answer = RawHttp.exchange(service.port(), request, Duration.ofSeconds(1));
            List<RawHttp.Response> responses = RawHttp.parse(answer, List.of(method)).responses();
            if (!responses.isEmpty() && responses.getFirst().status() == 503 || System.nanoTime() > deadline) {
                assertThat(responses).as(answer).isNotEmpty();
                assertThat(responses.getFirst().status()).isEqualTo(503);
                return responses.getFirst();
            }
            Thread.sleep(50);
        }
    }

    private void awaitRefusalLine(String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (refusalLines().stream().anyMatch(line -> line.contains(text))) {
                return;
            }
            Thread.sleep(100);
        }
        assertThat(refusalLines()).anySatisfy(line -> assertThat(line).startsWith("Refused ").contains(text));
    }

    private List<String> refusalLines() {
        return logs.warnings().stream()
                .filter(record -> "org.productservice.refusals".equals(record.getLoggerName()))
                .map(LogRecord::getMessage)
                .toList();
    }

    private double refusals(String listener, int status, String reason) {
        String metrics = service.admin().get("/observe/metrics", "Accept", "text/plain").body();
        return metrics.lines()
                .filter(line -> line.startsWith("http_server_refusals_total{") && line.contains("listener=\"" + listener + "\"")
                        && line.contains("status=\"" + status + "\"") && line.contains("reason=\"" + reason + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
