package org.productservice.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Tokens already verified, until they expire: a signature check costs 40 µs (RS256) to several
 * ms (ES512) of CPU, a lookup here about a microsecond. Bounded: at most {@code capacity} entries;
 * when full, the entries least likely to be used again go (Caffeine's W-TinyLFU: recency and
 * frequency), so one-off tokens never push out the callers that come back, and the cache is
 * never emptied at once. Keyed by the token's SHA-256, so the cache holds no tokens. An entry is
 * only used with the key set it was verified against: once a key is removed or replaced, every
 * token is checked again, so a removed key stops working at once.
 */
final class VerifiedTokens {
    /**
     * Cloned for each digest: cheaper than {@code MessageDigest.getInstance}, which looks the
     * algorithm up among the security providers on every call (the cached path is per request).
     */
    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private final Cache<Digest, Entry> entries;

    /**
     * Creates the cache.
     *
     * @param capacity most tokens kept; 0 turns the cache off
     */
    VerifiedTokens(int capacity) {
        // Maintenance (eviction) runs on the calling thread: no pool of its own, and its cost is
        // amortised over the calls that add entries.
        this.entries = capacity == 0 ? null : Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).build();
    }

    /**
     * A token verified before, against this key set, and not expired at {@code now}.
     *
     * @param token the token
     * @param keys  generation of the key set now in use
     * @param now   current time
     * @return the verification result
     */
    Optional<TokenVerifier.VerifiedToken> find(String token, long keys, Instant now) {
        if (entries == null) {
            return Optional.empty();
        }
        Digest digest = Digest.of(token);
        Entry entry = entries.getIfPresent(digest);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.keys != keys || now.isAfter(entry.usableUntil)) {
            entries.asMap().remove(digest, entry);
            return Optional.empty();
        }
        return Optional.of(entry.token);
    }

    /**
     * Remembers a verified token.
     *
     * @param token       the token
     * @param keys        generation of the key set it was verified with
     * @param usableUntil its exp plus the tolerated skew
     * @param verified    the result
     */
    void put(String token, long keys, Instant usableUntil, TokenVerifier.VerifiedToken verified) {
        if (entries != null) {
            entries.put(Digest.of(token), new Entry(verified, keys, usableUntil));
        }
    }

    /** Entries held, after pending evictions. */
    long size() {
        if (entries == null) {
            return 0;
        }
        entries.cleanUp();
        return entries.estimatedSize();
    }

    /** A token's SHA-256, as four longs: a key that is compared and hashed without a string. */
    private record Digest(long a, long b, long c, long d) {
        static Digest of(String token) {
            MessageDigest sha256;
            try {
                sha256 = (MessageDigest) SHA_256.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("SHA-256 cannot be cloned", e);
            }
            ByteBuffer hash = ByteBuffer.wrap(sha256.digest(token.getBytes(StandardCharsets.UTF_8)));
            return new Digest(hash.getLong(), hash.getLong(), hash.getLong(), hash.getLong());
        }
    }

    private record Entry(TokenVerifier.VerifiedToken token, long keys, Instant usableUntil) {
    }
}
