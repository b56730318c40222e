package org.productservice.auth;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
    private final AtomicReference<CountDownLatch> stalled = new AtomicReference<>();

    JwksServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // One thread per exchange: a stalled answer must not hold up the others.
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            CountDownLatch stall = stalled.get();
            if (down.get()) {
                send(exchange, 503, "{}");
            } else if (stall != null) {
                trickle(exchange, keys.get().toPublicJWKSet().toString(), stall);
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

    /** The head and the first bytes of the key set at once, the rest only once the stall ends (or after a minute). */
    private static void trickle(HttpExchange exchange, String body, CountDownLatch stall) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes, 0, 10);
            out.flush();
            stall.await(60, TimeUnit.SECONDS);
            out.write(bytes, 10, bytes.length - 10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client gave up: what a stalled issuer sees
        }
    }

    /**
     * Makes the key set answer slowly: its head at once, its body only after {@link #stall(boolean)} false.
     *
     * @param value true to stall, false to let every stalled answer finish
     */
    void stall(boolean value) {
        CountDownLatch previous = stalled.getAndSet(value ? new CountDownLatch(1) : null);
        if (previous != null) {
            previous.countDown();
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
        stall(false);
        server.stop(0);
    }
}
