package org.productservice.auth;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;

/**
 * The issuer's signing keys (a JSON Web Key Set), fetched from {@code auth.jwks} or from the
 * {@code jwks_uri} of the issuer's {@code /.well-known/openid-configuration}, and cached.
 *
 * <ul>
 *     <li>A token naming an unknown {@code kid} makes the set be fetched again (the issuer may
 *     have rotated its keys), but never more often than once per {@code auth.keys.refresh}: a
 *     flood of made-up key ids costs the issuer at most one request per interval.</li>
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
    private final ReentrantLock fetchLock = new ReentrantLock();
    private final AtomicBoolean backgroundRefresh = new AtomicBoolean();
    private volatile URI jwksUri;
    private volatile JWKSet keys;
    private volatile long fetchedAt;
    private volatile long lastAttempt;
    private volatile boolean attempted;
    private volatile long generation;

    /**
     * Creates the source; nothing is fetched until {@link #start()} or the first token.
     *
     * @param settings authentication settings
     */
    public KeySource(AuthSettings settings) {
        this.settings = settings;
        this.jwksUri = settings.jwks().orElse(null);
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.keysTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Fetches the keys in the background, so that the first calls find them cached. */
    public void start() {
        Thread.ofVirtual().name("jwks-initial-fetch").start(this::refreshIfAllowed);
    }

    /**
     * The key with this id, fetching the key set again if the id is unknown (rate-limited).
     *
     * @param kid key id from the token's header
     * @return the key, empty if the issuer has no such key
     * @throws KeysUnavailableException if no key set could be fetched yet
     */
    public Optional<JWK> find(String kid) {
        JWKSet current = keys;
        if (current != null) {
            if (System.nanoTime() - fetchedAt > settings.keysTtl().toNanos()) {
                refreshInBackground();
            }
            JWK key = current.getKeyByKeyId(kid);
            if (key != null) {
                return Optional.of(key);
            }
        }
        refreshIfAllowed();
        current = keys;
        if (current == null) {
            throw new KeysUnavailableException(retryAfter());
        }
        return Optional.ofNullable(current.getKeyByKeyId(kid));
    }

    /**
     * The version of the key set in use, which changes whenever a fetch brings different keys.
     * Also starts a background refresh when the keys are older than {@code auth.keys.ttl}, since
     * calls served from the token cache never ask for a key.
     *
     * @return generation number
     */
    long generation() {
        if (keys != null && System.nanoTime() - fetchedAt > settings.keysTtl().toNanos()) {
            refreshInBackground();
        }
        return generation;
    }

    /**
     * Whether keys are cached; with none, tries a (rate-limited) fetch first. Readiness asks this.
     *
     * @return true if calls can be checked
     */
    public boolean ready() {
        if (keys == null) {
            refreshIfAllowed();
        }
        return keys != null;
    }

    /**
     * How long a client should wait before a call can be checked again.
     *
     * @return time to the next allowed fetch, at least a second
     */
    Duration retryAfter() {
        long waited = System.nanoTime() - lastAttempt;
        long remaining = settings.keysRefresh().toNanos() - waited;
        return Duration.ofNanos(Math.max(remaining, 0)).plusSeconds(1).withNanos(0);
    }

    private void refreshInBackground() {
        if (backgroundRefresh.compareAndSet(false, true)) {
            Thread.ofVirtual().name("jwks-refresh").start(() -> {
                try {
                    refreshIfAllowed();
                } finally {
                    backgroundRefresh.set(false);
                }
            });
        }
    }

    /** One fetch at a time; callers that waited for it find it done and use its result. */
    private void refreshIfAllowed() {
        fetchLock.lock();
        try {
            long now = System.nanoTime();
            if (attempted && now - lastAttempt < settings.keysRefresh().toNanos()) {
                return;
            }
            attempted = true;
            lastAttempt = now;
            try {
                JWKSet fetched = fetch();
                if (keys == null || !keys.toString().equals(fetched.toString())) {
                    generation++;
                }
                keys = fetched;
                fetchedAt = System.nanoTime();
                LOGGER.log(Level.DEBUG, () -> "Fetched " + fetched.size() + " signing keys from " + jwksUri);
            } catch (IOException | ParseException | RuntimeException e) {
                LOGGER.log(Level.WARNING, "Could not fetch the token issuer's signing keys"
                        + (keys == null ? " (none cached: calls get 503)" : " (the cached ones stay in use)")
                        + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } finally {
            fetchLock.unlock();
        }
    }

    private JWKSet fetch() throws IOException, InterruptedException, ParseException {
        if (jwksUri == null) {
            jwksUri = discover();
        }
        // Only public keys are kept, whatever the document holds.
        return JWKSet.parse(read(jwksUri)).toPublicJWKSet();
    }

    private URI discover() throws IOException, InterruptedException, ParseException {
        String issuer = settings.issuer();
        URI document = URI.create((issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer)
                                          + "/.well-known/openid-configuration");
        Map<String, Object> metadata = JSONObjectUtils.parse(read(document));
        // A document that names another issuer is not this issuer's (OpenID Connect Discovery 4.3).
        if (!issuer.equals(JSONObjectUtils.getString(metadata, "issuer"))) {
            throw new IOException(document + " names another issuer");
        }
        URI jwks = JSONObjectUtils.getURI(metadata, "jwks_uri");
        if (jwks == null) {
            throw new IOException(document + " has no jwks_uri");
        }
        return jwks;
    }

    private String read(URI uri) throws IOException, InterruptedException {
        if ("file".equalsIgnoreCase(uri.getScheme())) {
            return Files.readString(Path.of(uri));
        }
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(settings.keysTimeout())
                .header("Accept", "application/json")
                .GET()
                .build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException(uri + " answered " + response.statusCode());
            }
            byte[] bytes = body.readNBytes(MAX_DOCUMENT_BYTES + 1);
            if (bytes.length > MAX_DOCUMENT_BYTES) {
                throw new IOException(uri + " is larger than " + MAX_DOCUMENT_BYTES + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
