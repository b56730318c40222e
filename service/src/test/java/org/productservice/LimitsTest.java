package org.productservice;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.ApiContract;
import org.productservice.testing.RunningService;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.productservice.testing.Problems.assertProblem;

/** The server's explicit limits: body size, header size, concurrency. */
class LimitsTest {
    @AutoClose
    private static final RunningService SERVER = RunningService.start(Map.of("limits.body", "1024", "limits.headers", "2048"));
    private final Api api = SERVER.api();

    @Test
    void aBodyOverTheLimitIs413() {
        String body = Api.json(Map.of("name", "big", "description", "x".repeat(1100)));
        assertProblem(api.create(body), 413);
        assertThat(api.create(Api.json(Map.of("name", "small", "description", "x".repeat(900)))).status()).isEqualTo(201);
    }

    @Test
    void aDeclaredOversizedBodyIsRefusedBeforeItIsSent() throws IOException {
        // Announces 10 MB and sends nothing: the answer must come from the Content-Length alone.
        String response = raw("POST /products HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                      + "Content-Length: 10485760\r\n\r\n");
        ApiContract.get().checkHttp1("POST", "/products", response);
        assertThat(response).startsWith("HTTP/1.1 413");
        assertThat(response).containsIgnoringCase("content-type: application/problem+json");
        JsonNode problem = new ObjectMapper().readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
        assertThat(problem.path("status").asInt()).isEqualTo(413);
    }

    @Test
    void aDeclaredOversizedBodyIs413OnEveryOperationNotOnlyOnWrites() throws IOException {
        // The document lists 413 on every operation: the limit is checked before routing.
        String target = "/products/3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9e0f12";
        String response = raw("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10485760\r\n\r\n");
        ApiContract.get().checkHttp1("GET", target, response);
        assertThat(response).startsWith("HTTP/1.1 413");
    }

    @Test
    void aRequestLineOverTheLimitIs414WithAProblem() {
        Api.Response response = api.get("/products?name=" + "n".repeat(5000));
        assertThat(response.status()).isEqualTo(414);
        assertThat(response.header("Content-Type")).contains("application/problem+json");
        assertThat(response.json().path("status").asInt()).isEqualTo(414);
    }

    @Test
    void headersOverTheLimitAreRefusedWithAProblem() throws IOException {
        String response = raw("GET /products HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a".repeat(4000) + "\r\n\r\n");
        ApiContract.get().checkHttp1("GET", "/products", response);
        assertThat(response).matches("(?s)HTTP/1.1 4(31|00) .*");
        assertThat(response).containsIgnoringCase("content-type: application/problem+json");
    }

    @Test
    void requestsBeyondTheConcurrencyLimitGet503Quickly() throws Exception {
        // An "engine" that accepts connections and never answers: each request holds its slot
        // until the DynamoDB call times out.
        try (ServerSocket blackHole = new ServerSocket(0)) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                while (!blackHole.isClosed()) {
                    try {
                        accepted.add(blackHole.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            RunningService limited = RunningService.start("http://127.0.0.1:" + blackHole.getLocalPort(),
                                                          Map.of("limits.concurrency", "2",
                                                                 "limits.queue", "0",
                                                                 "dynamodb.timeout.call", "PT2S",
                                                                 "dynamodb.timeout.attempt", "PT2S"));
            try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
                Api limitedApi = limited.api();
                List<Future<Api.Response>> slow = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    slow.add(executor.submit(() -> limitedApi.get("/products/3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9e0f12")));
                }
                Thread.sleep(300);
                long start = System.nanoTime();
                Api.Response rejected = limitedApi.get("/products/3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9e0f12");
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                assertProblem(rejected, 503);
                assertThat(rejected.header("Retry-After")).contains("1");
                assertThat(took).isLessThan(Duration.ofMillis(1500));
                for (Future<Api.Response> response : slow) {
                    Api.Response timedOut = response.get();
                    assertProblem(timedOut, 503);
                    assertThat(timedOut.json().path("detail").asText()).contains("timeout");
                }
            } finally {
                limited.close();
                blackHole.close();
                acceptor.join(1000);
                for (Socket socket : accepted) {
                    socket.close();
                }
            }
        }
    }

    private static String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", SERVER.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int headerEnd = -1;
            int contentLength = -1;
            while (true) {
                int read;
                try {
                    read = in.read(buffer);
                } catch (IOException e) {
                    break;
                }
                if (read < 0) {
                    break;
                }
                response.write(buffer, 0, read);
                String text = response.toString(StandardCharsets.ISO_8859_1);
                if (headerEnd < 0 && text.contains("\r\n\r\n")) {
                    headerEnd = text.indexOf("\r\n\r\n") + 4;
                    var matcher = java.util.regex.Pattern.compile("(?i)content-length: *([0-9]+)").matcher(text.substring(0, headerEnd));
                    contentLength = matcher.find() ? Integer.parseInt(matcher.group(1)) : 0;
                }
                if (headerEnd >= 0 && response.size() >= headerEnd + contentLength) {
                    break;
                }
            }
            return response.toString(StandardCharsets.UTF_8);
        }
    }
}
