package org.productservice.auth;

import java.io.IOException;
import java.lang.System.Logger.Level;
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
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;

/**
 * The issuer's signing keys (a JSON Web Key Set), fetched from {@code auth.jwks} or from the
 * {@code jwks_uri} of the issuer's {@code /.well-known/openid-configuration}, and cached.
 *
 * <ul>
 *     <li>A token naming an unknown {@code kid} makes the set be fetched again (the issuer may
 *     have rotated its keys): up to {@code auth.keys.burst} fetches back to back, then one per
 *     {@code auth.keys.refresh}. So a rotation is seen at once even right after another
 *     fetch, while a flood of made-up key ids costs the issuer a few requests a minute. The
 *     budget is checked without any lock.</li>
 *     <li>One fetch at a time: every caller that needs one joins the fetch in flight. A fetch
 *     has one deadline, {@code auth.keys.timeout}, for discovery, the key set and reading their
 *     bodies; a call waits for it at most {@code auth.keys.wait}, then gets its answer with the
 *     keys it has (401 for the unknown key, 503 with none at all).</li>
 *     <li>Keys older than {@code auth.keys.ttl} are refreshed in the background while the cached
 *     ones keep serving, so a removed key stops being trusted without a restart.</li>
 *     <li>When a fetch fails the cached keys stay in use. Only with no keys at all are calls
 *     answered 503 ({@link KeysUnavailableException}), and readiness reports it.</li>
 * </ul>
 * A {@code file:} URI is read from disk instead (the development key pair of {@code make run AUTH=jwt}).
 */
public final class KeySource {
    private static final System.Logger LOGGER = System.getLogger(KeySource.class.getName());
    /** Largest key set or discovery document read; real ones are a few KB. */
    private static final int MAX_DOCUMENT_BYTES = 256 * 1024;

    private final AuthSettings settings;
    private final HttpClient http;
    private final long refreshNanos;
    private final long toleranceNanos;
    /**
     * The budget of fetches for unknown key ids, as a generic cell rate algorithm: the time at
     * which the budget would be full again. A fetch is allowed while it is at most
     * (burst - 1) intervals ahead of now; each allowed fetch moves it one interval on.
     */
    private final AtomicLong budgetFullAt;
    private final AtomicReference<CompletableFuture<IssuerKeys>> inFlight = new AtomicReference<>();
    private volatile IssuerKeys keys;
    private volatile URI jwksUri;
    private volatile long lastStart;

    /**
     * Creates the source; nothing is fetched until {@link #start()} or the first token.
     *
     * @param settings authentication settings
     */
    public KeySource(AuthSettings settings) {
        this.settings = settings;
        this.jwksUri = settings.jwks().orElse(null);
        this.refreshNanos = settings.keysRefresh().toNanos();
        this.toleranceNanos = (settings.keysBurst() - 1) * refreshNanos;
        this.budgetFullAt = new AtomicLong(System.nanoTime());
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.keysTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Starts the first fetch, outside the budget of unknown key ids.
     *
     * @return the fetch, to wait for at start if wanted
     */
    public CompletableFuture<IssuerKeys> start() {
        return fetch();
    }

    /**
     * A cached key, without fetching anything (a refresh of old keys starts in the background).
     *
     * @param kid key id from the token's header
     * @return the key, or null when unknown or no keys are cached
     */
    IssuerKeys.TrustedKey cached(String kid) {
        IssuerKeys current = current();
        return current == null ? null : current.byKid().get(kid);
    }

    /**
     * The key with this id, fetching the key set again if the id is unknown (within the budget),
     * waiting at most {@code auth.keys.wait} for that fetch.
     *
     * @param kid key id from the token's header
     * @return the key, empty if the issuer has no such key (as far as is known now)
     * @throws KeysUnavailableException if no key set could be fetched yet
     */
    Optional<IssuerKeys.TrustedKey> find(String kid) {
        IssuerKeys.TrustedKey key = cached(kid);
        if (key != null) {
            return Optional.of(key);
        }
        CompletableFuture<IssuerKeys> fetch = fetchWithinBudget();
        if (fetch != null) {
            await(fetch, settings.keysWait());
        }
        IssuerKeys current = keys;
        if (current == null) {
            throw new KeysUnavailableException(retryAfter());
        }
        return Optional.ofNullable(current.byKid().get(kid));
    }

    /**
     * The version of the key set in use: it changes when a key is removed or replaced (not when
     * one is added), and the token cache uses no entry of an older one. Also starts a background
     * refresh when the keys are older than {@code auth.keys.ttl}, since calls served from the
     * token cache never ask for a key.
     *
     * @return generation number
     */
    long generation() {
        IssuerKeys current = current();
        return current == null ? 0 : current.generation();
    }

    /**
     * Whether keys are cached; with none, starts a fetch (within the budget) without waiting for
     * it. Readiness asks this.
     *
     * @return true if calls can be checked
     */
    public boolean ready() {
        if (keys == null) {
            fetchWithinBudget();
        }
        return keys != null;
    }

    /**
     * How long a client should wait before a call can be checked again.
     *
     * @return time to the next fetch the budget allows, at least a second
     */
    Duration retryAfter() {
        long now = System.nanoTime();
        long remaining = budgetFullAt.get() - toleranceNanos - now;
        return Duration.ofNanos(Math.max(remaining, 0)).plusSeconds(1).withNanos(0);
    }

    /** The cached keys, starting a background refresh when they are older than auth.keys.ttl. */
    private IssuerKeys current() {
        IssuerKeys current = keys;
        if (current != null) {
            long now = System.nanoTime();
            if (now - current.fetchedAt() > settings.keysTtl().toNanos() && inFlight.get() == null
                    && now - lastStart > Math.min(settings.keysTtl().toNanos(), refreshNanos)) {
                fetch();
            }
        }
        return current;
    }

    /** The fetch in flight, or a new one if the budget allows it; null when it does not. */
    private CompletableFuture<IssuerKeys> fetchWithinBudget() {
        CompletableFuture<IssuerKeys> running = inFlight.get();
        if (running != null) {
            return running;
        }
        long now = System.nanoTime();
        while (true) {
            long fullAt = budgetFullAt.get();
            if (fullAt - toleranceNanos - now > 0) {
                return null;
            }
            if (budgetFullAt.compareAndSet(fullAt, Math.max(fullAt, now) + refreshNanos)) {
                return fetch();
            }
        }
    }

    /** Joins the fetch in flight or starts one; never blocks. */
    private CompletableFuture<IssuerKeys> fetch() {
        CompletableFuture<IssuerKeys> mine = new CompletableFuture<>();
        while (true) {
            CompletableFuture<IssuerKeys> running = inFlight.get();
            if (running != null) {
                return running;
            }
            if (inFlight.compareAndSet(null, mine)) {
                break;
            }
        }
        lastStart = System.nanoTime();
        long deadline = lastStart + settings.keysTimeout().toNanos();
        CompletableFuture<URI> where = jwksUri != null ? CompletableFuture.completedFuture(jwksUri) : discover(deadline);
        where.thenCompose(uri -> read(uri, deadline).thenApply(document -> parse(uri, document)))
                .whenComplete((fetched, error) -> {
                    if (error == null) {
                        keys = fetched;
                        LOGGER.log(Level.DEBUG, () -> "Fetched " + fetched.byKid().size() + " signing keys from " + jwksUri);
                    } else {
                        logFailure(error);
                    }
                    inFlight.compareAndSet(mine, null);
                    if (error == null) {
                        mine.complete(fetched);
                    } else {
                        mine.completeExceptionally(unwrap(error));
                    }
                });
        return mine;
    }

    private IssuerKeys parse(URI uri, String document) {
        try {
            // Only public keys are kept, whatever the document holds.
            JWKSet set = JWKSet.parse(document).toPublicJWKSet();
            return IssuerKeys.of(set, settings.algorithms(), keys, System.nanoTime());
        } catch (ParseException e) {
            throw new CompletionException(new IOException(uri + " is not a JWK Set: " + e.getMessage(), e));
        }
    }

    private CompletableFuture<URI> discover(long deadline) {
        String issuer = settings.issuer();
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
                        ? new TimeoutException(uri + " did not answer within auth.keys.timeout (" + settings.keysTimeout() + ")")
                        : cause);
            }
            if (response.statusCode() != 200) {
                throw new CompletionException(new IOException(uri + " answered " + response.statusCode()));
            }
            return new String(response.body(), StandardCharsets.UTF_8);
        });
    }

    private void logFailure(Throwable error) {
        Throwable cause = unwrap(error);
        String consequence = keys == null ? " (none cached: calls get 503)" : " (the cached ones stay in use)";
        if (cause instanceof IssuerMismatchException) {
            LOGGER.log(Level.ERROR, "The token issuer's signing keys cannot be trusted" + consequence + ": " + cause.getMessage());
        } else {
            LOGGER.log(Level.WARNING, "Could not fetch the token issuer's signing keys" + consequence + ": " + describe(cause));
        }
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

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Waits for a fetch at most {@code wait}; its outcome shows in {@link #keys} either way. */
    private static void await(CompletableFuture<IssuerKeys> fetch, Duration wait) {
        try {
            fetch.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | CancellationException e) {
            // failed or still running: answer with the keys there are
        }
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
