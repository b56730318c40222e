package org.productservice.auth;

import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The verified-token cache: bounded, never past a token's expiry, never across a key change. */
class VerifiedTokensTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private static TokenVerifier.VerifiedToken token(String principal) {
        return new TokenVerifier.VerifiedToken(principal, Set.of("products.read"), NOW.plusSeconds(60));
    }

    @Test
    void aVerifiedTokenIsFoundUntilItExpires() {
        VerifiedTokens cache = new VerifiedTokens(10);
        cache.put("t1", 1, NOW.plusSeconds(60), token("a"), NOW);

        assertThat(cache.find("t1", 1, NOW.plusSeconds(59))).contains(token("a"));
        assertThat(cache.find("t1", 1, NOW.plusSeconds(61))).isEmpty();
        assertThat(cache.find("t2", 1, NOW)).isEmpty();
    }

    @Test
    void aChangedKeySetMakesEveryTokenBeCheckedAgain() {
        VerifiedTokens cache = new VerifiedTokens(10);
        cache.put("t1", 1, NOW.plusSeconds(60), token("a"), NOW);

        assertThat(cache.find("t1", 2, NOW)).isEmpty();
    }

    @Test
    void theCacheNeverHoldsMoreThanItsCapacity() {
        VerifiedTokens cache = new VerifiedTokens(100);
        for (int i = 0; i < 1000; i++) {
            cache.put("token-" + i, 1, NOW.plusSeconds(60), token("p" + i), NOW);
            assertThat(cache.size()).isLessThanOrEqualTo(100);
        }
        assertThat(cache.find("token-999", 1, NOW)).contains(token("p999"));
    }

    @Test
    void expiredEntriesAreDroppedFirstWhenFull() {
        VerifiedTokens cache = new VerifiedTokens(2);
        cache.put("old", 1, NOW.plusSeconds(1), token("old"), NOW);
        cache.put("live", 1, NOW.plusSeconds(600), token("live"), NOW);

        cache.put("new", 1, NOW.plusSeconds(600), token("new"), NOW.plusSeconds(10));

        assertThat(cache.find("live", 1, NOW.plusSeconds(10))).contains(token("live"));
        assertThat(cache.find("new", 1, NOW.plusSeconds(10))).contains(token("new"));
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void aCapacityOfZeroKeepsNothing() {
        VerifiedTokens cache = new VerifiedTokens(0);
        cache.put("t1", 1, NOW.plusSeconds(60), token("a"), NOW);

        assertThat(cache.find("t1", 1, NOW)).isEmpty();
        assertThat(cache.size()).isZero();
    }
}
