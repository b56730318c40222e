package org.productservice.auth;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A token issuer's key endpoints over real HTTP: {@code /jwks} and the OpenID discovery
 * document. Counts key-set fetches, can swap its keys (rotation) and fail (outage).
 */
final class JwksServer implements AutoCloseable {
    private final HttpServer server;
    private final AtomicReference<JWKSet> keys = new AtomicReference<>(new JWKSet());
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicBoolean down = new AtomicBoolean();

    JwksServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            if (down.get()) {
                send(exchange, 503, "{}");
            } else {
                // Public halves only, as a real issuer publishes them.
                send(exchange, 200, keys.get().toPublicJWKSet().toString());
            }
        });
        server.createContext("/.well-known/openid-configuration", exchange -> send(
                exchange, down.get() ? 503 : 200,
                "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + jwksUri() + "\"}"));
        server.start();
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String jwksUri() {
        return issuer() + "/jwks";
    }

    void publish(JWK... published) {
        keys.set(new JWKSet(List.of(published)));
    }

    void down(boolean value) {
        down.set(value);
    }

    int fetches() {
        return fetches.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
