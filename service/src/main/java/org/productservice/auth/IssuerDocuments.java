package org.productservice.auth;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;

/**
 * Reads the issuer's documents: its key set, at {@code auth.jwks} or at the {@code jwks_uri} of
 * its {@code /.well-known/openid-configuration} (found once, then remembered). Every read is
 * asynchronous and bounded in size and in time, body included. A {@code file:} URI is read from
 * disk (the development key pair of {@code make run AUTH=jwt}).
 */
final class IssuerDocuments {
    /** Largest key set or discovery document read; real ones are a few KB. */
    private static final int MAX_DOCUMENT_BYTES = 256 * 1024;

    private final String issuer;
    private final Duration timeout;
    private final HttpClient http;
    private volatile URI jwksUri;

    IssuerDocuments(AuthSettings settings) {
        this.issuer = settings.issuer();
        this.timeout = settings.keysTimeout();
        this.jwksUri = settings.jwks().orElse(null);
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * The issuer's key set, public keys only, discovering where it is first if not known yet.
     *
     * @param deadline {@link System#nanoTime()} by which every read must have ended
     * @return the key set; fails with an {@link IOException} (an {@link IssuerMismatchException}
     *         when discovery names another issuer) or a {@link TimeoutException}
     */
    CompletableFuture<JWKSet> keySet(long deadline) {
        URI known = jwksUri;
        CompletableFuture<URI> where = known != null ? CompletableFuture.completedFuture(known) : discover(deadline);
        return where.thenCompose(uri -> read(uri, deadline).thenApply(document -> {
            try {
                // Only public keys are kept, whatever the document holds.
                return JWKSet.parse(document).toPublicJWKSet();
            } catch (ParseException e) {
                throw new CompletionException(new IOException(uri + " is not a JWK Set: " + e.getMessage(), e));
            }
        }));
    }

    /**
     * Where the key set is read from.
     *
     * @return its URI, null until discovered
     */
    URI jwksUri() {
        return jwksUri;
    }

    private CompletableFuture<URI> discover(long deadline) {
        URI document = URI.create((issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer)
                                          + "/.well-known/openid-configuration");
        return read(document, deadline).thenApply(text -> {
            try {
                Map<String, Object> metadata = JSONObjectUtils.parse(text);
                // A document that names another issuer is not this issuer's (OpenID Connect Discovery 4.3).
                String named = JSONObjectUtils.getString(metadata, "issuer");
                if (!issuer.equals(named)) {
                    throw new CompletionException(new IssuerMismatchException(issuer, document, named));
                }
                URI jwks = JSONObjectUtils.getURI(metadata, "jwks_uri");
                if (jwks == null) {
                    throw new CompletionException(new IOException(document + " has no jwks_uri"));
                }
                jwksUri = jwks;
                return jwks;
            } catch (ParseException e) {
                throw new CompletionException(new IOException(document + " is not a JSON object: " + e.getMessage(), e));
            }
        });
    }

    /** One document, within the fetch's deadline: the connection, the answer and its whole body. */
    private CompletableFuture<String> read(URI uri, long deadline) {
        if ("file".equalsIgnoreCase(uri.getScheme())) {
            try {
                return CompletableFuture.completedFuture(Files.readString(Path.of(uri)));
            } catch (IOException | RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            return CompletableFuture.failedFuture(new TimeoutException("no time left for " + uri));
        }
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofNanos(remaining))
                .header("Accept", "application/json")
                .GET()
                .build();
        CompletableFuture<HttpResponse<byte[]>> sent = http.sendAsync(
                request, answer -> answer.statusCode() == 200
                        ? new LimitedBody(MAX_DOCUMENT_BYTES, uri)
                        : HttpResponse.BodySubscribers.replacing(new byte[0]));
        // HttpRequest.timeout ends at the response head; this ends everything, a trickling body
        // included (cancelling the send aborts the exchange).
        CompletableFuture.delayedExecutor(remaining, TimeUnit.NANOSECONDS).execute(() -> sent.cancel(true));
        return sent.handle((response, error) -> {
            if (error != null) {
                Throwable cause = unwrap(error);
                throw new CompletionException(cause instanceof CancellationException
                        ? new TimeoutException(uri + " did not answer within auth.keys.timeout (" + timeout + ")")
                        : cause);
            }
            if (response.statusCode() != 200) {
                throw new CompletionException(new IOException(uri + " answered " + response.statusCode()));
            }
            return new String(response.body(), StandardCharsets.UTF_8);
        });
    }

    /**
     * A failure and its causes on one line: the JDK's connection errors often have no message
     * ({@code ConnectException} of a refused connection), so their class names say what happened.
     *
     * @param error the failure
     * @return e.g. {@code java.net.ConnectException <- java.nio.channels.ClosedChannelException}
     */
    static String describe(Throwable error) {
        StringBuilder text = new StringBuilder();
        int depth = 0;
        for (Throwable t = unwrap(error); t != null && depth < 6; t = t.getCause(), depth++) {
            if (depth > 0) {
                text.append(" <- ");
            }
            text.append(t.getClass().getName());
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                text.append(": ").append(t.getMessage());
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return text.toString();
    }

    /**
     * The failure inside the wrappers of asynchronous code.
     *
     * @param error a failure, maybe a {@link CompletionException} or {@link ExecutionException}
     * @return its cause
     */
    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The discovery document names another issuer than {@code auth.issuer}. */
    static final class IssuerMismatchException extends IOException {
        IssuerMismatchException(String configured, URI document, String named) {
            super(document + " names the issuer " + named + ", not " + configured + " (auth.issuer, AUTH_ISSUER): tokens "
                          + "carry the issuer their discovery document names, so none would be accepted; set AUTH_ISSUER to "
                          + named + (configured.endsWith("/") && (configured.substring(0, configured.length() - 1)).equals(named)
                                             ? " (without the trailing /)" : ""));
        }
    }
}
