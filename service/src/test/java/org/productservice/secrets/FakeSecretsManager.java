package org.productservice.secrets;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A tiny HTTP server on a free local port that speaks Secrets Manager's GetSecretValue as the
 * SDK does (awsJson1_1: POST /, X-Amz-Target secretsmanager.GetSecretValue, a JSON body), so
 * that the client, its signing, retries and error parsing are exercised for real.
 */
public final class FakeSecretsManager implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received. */
    public record Request(String target, String contentType, String authorization, JsonNode body) {
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Map<String, String> secrets = Map.of();
    private volatile boolean denied;

    private FakeSecretsManager(HttpServer server) {
        this.server = server;
    }

    /**
     * Starts the server on 127.0.0.1 and a free port.
     *
     * @return the running server
     * @throws IOException if it cannot listen
     */
    public static FakeSecretsManager start() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        FakeSecretsManager fake = new FakeSecretsManager(http);
        http.createContext("/", fake::handle);
        http.start();
        return fake;
    }

    /** @return the endpoint to give the SDK */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves these secrets by ARN from now on. */
    public void secrets(Map<String, String> byArn) {
        secrets = Map.copyOf(byArn);
    }

    /** Answers AccessDeniedException (as IAM does without the permission) while set. */
    public void deny(boolean deny) {
        denied = deny;
    }

    /** @return every request so far */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            JsonNode body = JSON.readTree(in.readAllBytes());
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            requests.add(new Request(target, exchange.getRequestHeaders().getFirst("Content-Type"),
                                     exchange.getRequestHeaders().getFirst("Authorization"), body));
            if (!"POST".equals(exchange.getRequestMethod()) || !"secretsmanager.GetSecretValue".equals(target)) {
                reply(exchange, 400, Map.of("__type", "UnknownOperationException", "message", "only GetSecretValue"));
                return;
            }
            String arn = body.path("SecretId").asText();
            if (denied) {
                reply(exchange, 400, Map.of("__type", "AccessDeniedException",
                                            "message", "User is not authorized to perform: secretsmanager:GetSecretValue on resource: " + arn));
                return;
            }
            String value = secrets.get(arn);
            if (value == null) {
                reply(exchange, 400, Map.of("__type", "ResourceNotFoundException",
                                            "message", "Secrets Manager can't find the specified secret."));
                return;
            }
            reply(exchange, 200, Map.of("ARN", arn, "Name", "CursorKey", "SecretString", value,
                                        "VersionId", "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
                                        "VersionStages", List.of("AWSCURRENT"), "CreatedDate", 1.7e9));
        }
    }

    private static void reply(HttpExchange exchange, int status, Map<String, ?> body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
