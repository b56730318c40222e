package org.productservice.auth;

import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The verified-token cache: bounded, never emptied at once, never past a token's expiry, never across a key change. */
class VerifiedTokensTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private static TokenVerifier.VerifiedToken token(String principal) {
        return new TokenVerifier.VerifiedToken(principal, Set.of("products.read"), NOW.plusSeconds(60));
    }

    @Test
    void aVerifiedTokenIsFoundUntilItExpires() {
        VerifiedTokens cache = new VerifiedTokens(10);
        cache.put("t1", 1, NOW.plusSeconds(60), token("a"));

        assertThat(cache.find("t1", 1, NOW.plusSeconds(59))).contains(token("a"));
        assertThat(cache.find("t1", 1, NOW.plusSeconds(61))).isEmpty();
        assertThat(cache.find("t2", 1, NOW)).isEmpty();
    }

    @Test
    void aChangedKeySetMakesEveryTokenBeCheckedAgain() {
        VerifiedTokens cache = new VerifiedTokens(10);
        cache.put("t1", 1, NOW.plusSeconds(60), token("a"));

        assertThat(cache.find("t1", 2, NOW)).isEmpty();
    }

    @Test
    void theCacheNeverHoldsMoreThanItsCapacity() {
        VerifiedTokens cache = new VerifiedTokens(100);
        for (int i = 0; i < 1000; i++) {
            cache.put("token-" + i, 1, NOW.plusSeconds(60), token("p" + i));
            assertThat(cache.size()).isLessThanOrEqualTo(100);
        }
    }

    @Test
    void aFloodOfOneOffTokensNeitherEmptiesTheCacheNorPushesOutTheCallersThatComeBack() {
        VerifiedTokens cache = new VerifiedTokens(100);
        for (int i = 0; i < 50; i++) {
            cache.put("regular-" + i, 1, NOW.plusSeconds(600), token("regular-" + i));
        }
        for (int i = 0; i < 10_000; i++) {
            cache.put("one-off-" + i, 1, NOW.plusSeconds(600), token("one-off"));
            // the regular callers keep calling meanwhile
            assertThat(cache.find("regular-" + (i % 50), 1, NOW)).isPresent();
            assertThat(cache.size()).isGreaterThan(50);
        }
        for (int i = 0; i < 50; i++) {
            assertThat(cache.find("regular-" + i, 1, NOW)).as("regular-" + i).contains(token("regular-" + i));
        }
    }

    @Test
    void tokensThatDifferOnlyOutsideAsciiAreTwoEntries() {
        VerifiedTokens cache = new VerifiedTokens(10);
        cache.put("token-\u00e9", 1, NOW.plusSeconds(60), token("a"));

        // As US-ASCII both would hash as "token-?".
        assertThat(cache.find("token-\u00e8", 1, NOW)).isEmpty();
        assertThat(cache.find("token-\u00e9", 1, NOW)).contains(token("a"));
    }

    @Test
    void aCapacityOfZeroKeepsNothing() {
        VerifiedTokens cache = new VerifiedTokens(0);
        cache.put("t1", 1, NOW.plusSeconds(60), token("a"));

        assertThat(cache.find("t1", 1, NOW)).isEmpty();
        assertThat(cache.size()).isZero();
    }
}
