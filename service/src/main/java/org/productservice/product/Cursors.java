package org.productservice.product;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;

import org.productservice.http.ProblemException;

/**
 * Opaque page cursors: {@code base64url(payload) "." base64url(mac)}. The payload is where the
 * previous page ended (id and updated_at of its last product). The MAC (HMAC-SHA256, truncated
 * to 128 bits) covers the payload and the query the cursor belongs to (all products, or one
 * name in one order), so a tampered, truncated or foreign cursor is refused with a 400 instead
 * of silently returning a wrong page. Cursors are made with the current key and accepted with it
 * or with the previous one, so that the key can be rotated without failing a page request.
 */
final class Cursors {
    /** Longest cursor accepted; real ones are about 90 characters. */
    static final int MAX_LENGTH = 512;

    private static final String ALGORITHM = "HmacSHA256";
    private static final int MAC_BYTES = 16;
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    // The key is read again within seconds (secrets/CursorKeySource retries with back-off).
    private static final String RETRY_AFTER_SECONDS = "5";

    private final Supplier<Optional<String>> secret;
    private final Optional<String> previous;
    // Built on first use: a key read from Secrets Manager arrives after start-up.
    private volatile Keys keys;

    /**
     * Creates the codec.
     *
     * @param secret   MAC key, shared by every instance; empty while it is being read (Secrets Manager)
     * @param previous the key before the last rotation, accepted on incoming cursors only
     */
    Cursors(Supplier<Optional<String>> secret, Optional<String> previous) {
        this.secret = secret;
        this.previous = previous;
        // A configured key is ready now; one read from Secrets Manager on the first page after it arrives.
        secret.get().ifPresent(current -> keys());
    }

    private Keys keys() {
        Keys current = keys;
        if (current == null) {
            String value = secret.get().orElseThrow(() -> new ProblemException(
                    Status.SERVICE_UNAVAILABLE_503, "The cursor signing key has not been loaded yet. Retry later.",
                    List.of(), Map.of(HeaderNames.RETRY_AFTER.defaultCase(), RETRY_AFTER_SECONDS)));
            current = Keys.of(value, previous);
            keys = current;
        }
        return current;
    }

    /** The key that signs new cursors, and every key accepted on incoming ones. */
    private record Keys(SecretKeySpec signing, List<SecretKeySpec> accepted) {
        // Both keys' lengths are checked at start (ProductApiSettings; a key from Secrets Manager
        // by secrets/CursorKeySource): nothing here may fail once requests are served.
        static Keys of(String secret, Optional<String> previous) {
            SecretKeySpec signing = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
            return new Keys(signing, previous
                    .map(p -> List.of(signing, new SecretKeySpec(p.getBytes(StandardCharsets.UTF_8), ALGORITHM)))
                    .orElseGet(() -> List.of(signing)));
        }
    }

    /**
     * The scope of a query by name.
     *
     * @param name        exact name
     * @param newestFirst order
     * @return scope string
     */
    static String nameScope(String name, boolean newestFirst) {
        return "name\u0000" + name + "\u0000" + (newestFirst ? "desc" : "asc");
    }

    /**
     * The scope of the list of all products.
     *
     * @return scope string
     */
    static String allScope() {
        return "all";
    }

    /**
     * Encodes where a page ended.
     *
     * @param scope the query's scope
     * @param last  last product of the page
     * @return cursor
     */
    String encode(String scope, Product last) {
        byte[] payload = (last.id() + "|" + last.updatedAt().toEpochMilli()).getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(payload) + "." + ENCODER.encodeToString(mac(keys().signing(), scope, payload));
    }

    /**
     * Decodes a cursor of this query.
     *
     * @param scope  the query's scope
     * @param name   the query's name (empty for the list of all products)
     * @param cursor cursor from a previous page
     * @return where the previous page ended
     * @throws ProblemException 400 if the cursor is malformed, altered or from another query
     */
    ProductRepository.PageKey decode(String scope, String name, String cursor) {
        if (cursor.length() > MAX_LENGTH) {
            throw invalid();
        }
        int dot = cursor.indexOf('.');
        if (dot <= 0 || dot != cursor.lastIndexOf('.')) {
            throw invalid();
        }
        byte[] payload;
        byte[] mac;
        try {
            payload = DECODER.decode(cursor.substring(0, dot));
            mac = DECODER.decode(cursor.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        // Base64 leaves unused bits in the last character: only the canonical form is a valid cursor.
        if (!ENCODER.encodeToString(payload).equals(cursor.substring(0, dot))
                || !ENCODER.encodeToString(mac).equals(cursor.substring(dot + 1))) {
            throw invalid();
        }
        boolean authentic = false;
        for (SecretKeySpec candidate : keys().accepted()) {
            authentic |= MessageDigest.isEqual(mac, mac(candidate, scope, payload));
        }
        if (!authentic) {
            throw invalid();
        }
        String[] parts = new String(payload, StandardCharsets.UTF_8).split("\\|", -1);
        if (parts.length != 2 || !UUID.matcher(parts[0]).matches()) {
            throw invalid();
        }
        try {
            return new ProductRepository.PageKey(parts[0], name, Instant.ofEpochMilli(Long.parseLong(parts[1])));
        } catch (NumberFormatException e) {
            throw invalid();
        }
    }

    private static byte[] mac(SecretKeySpec key, String scope, byte[] payload) {
        try {
            // Mac instances are not thread-safe; creating one per call costs about a microsecond.
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update(scope.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return Arrays.copyOf(mac.doFinal(payload), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static ProblemException invalid() {
        return ProblemException.badRequest("cursor",
                                           "is not a valid cursor for this query; use the next_cursor of the previous "
                                                   + "page of the same query unchanged");
    }
}
