package org.productservice.auth;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;


import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.productservice.testing.TestConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The budget of signature checks: a flood of forged tokens with valid claims is answered 503
 * once a quarter of the CPU has gone into checking them, tokens already verified are served
 * throughout, and new tokens are checked again once the budget has refilled.
 */
class SignatureBudgetTest {
    private static final long MILLIS = 1_000_000;
    private static RSAKey rsa;
    private static ECKey p521;
    private static AuthSettings settings;

    @BeforeAll
    static void keys() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa").generate();
        p521 = new ECKeyGenerator(Curve.P_521).keyID("p521").generate();
        Path jwks = Files.createTempFile("jwks", ".json");
        jwks.toFile().deleteOnExit();
        Files.writeString(jwks, new JWKSet(List.of(rsa, p521)).toPublicJWKSet().toString());
        settings = AuthSettings.create(TestConfig.production(Map.of(
                "auth.mode", "jwt", "auth.issuer", ForgedTokenCost.ISSUER, "auth.audience", ForgedTokenCost.AUDIENCE,
                "auth.jwks", jwks.toUri().toString())).get("auth"));
    }

    @Test
    void forgedTokensPastTheBudgetAre503WhileKnownTokensAreServedThroughout() throws Exception {
        KeySource keys = new KeySource(settings);
        keys.start().get();
        // One CPU: the budget is a quarter of it.
        TokenVerifier verifier = new TokenVerifier(settings, keys, Clock.systemUTC(), 1);
        String known = ForgedTokenCost.sign(rsa, JWSAlgorithm.RS256, ForgedTokenCost.claims(0, 300));
        assertThat(verifier.verify(known).principal()).isEqualTo("client");

        int checked = 0;
        boolean busy = false;
        long start = System.nanoTime();
        for (int i = 1; !busy && System.nanoTime() - start < 30_000_000_000L; i++) {
            try {
                verifier.verify(ForgedTokenCost.forge("p521", JWSAlgorithm.ES512, ForgedTokenCost.claims(i, 300), 132));
            } catch (InvalidTokenException refused) {
                assertThat(refused.reason()).isEqualTo(Refusal.SIGNATURE);
                checked++;
            } catch (SignatureChecksBusyException spent) {
                busy = true;
            }
        }

        assertThat(busy).as("a 503 after %d checks", checked).isTrue();
        assertThat(checked).isPositive();
        assertThat(verifier.verify(known).principal()).isEqualTo("client");
        String fresh = ForgedTokenCost.sign(rsa, JWSAlgorithm.RS256, ForgedTokenCost.claims(1, 300));

        TokenVerifier.VerifiedToken accepted = null;
        for (int i = 0; i < 100 && accepted == null; i++) {
            Thread.sleep(100);
            try {
                accepted = verifier.verify(fresh);
            } catch (SignatureChecksBusyException stillSpent) {
                // refilling
            }
        }
        assertThat(accepted).as("accepted once the budget refilled").isNotNull();
    }

    @Test
    void aQuarterOfTheCpusGoesToChecksAfterTheBurst() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        SignatureBudget twoCpus = new SignatureBudget(2, now::get);

        // A 100 ms check on two CPUs costs 200 ms of budget: the whole burst.
        check(twoCpus, now, 100);
        // Then checks that go on back to back are held to half a CPU: 10 ms of checking, 10 ms refused.
        for (int round = 0; round < 3; round++) {
            check(twoCpus, now, 10);
            now.addAndGet(9 * MILLIS);
            assertThatThrownBy(twoCpus::start).isInstanceOf(SignatureChecksBusyException.class);
            now.addAndGet(MILLIS);
        }
        assertThat(twoCpus.start()).isEqualTo(now.get());
    }

    /** One check that the budget lets start, taking {@code millis} on the test's clock. */
    private static void check(SignatureBudget budget, AtomicLong now, long millis) {
        long start = budget.start();
        now.addAndGet(millis * MILLIS);
        budget.charge(start);
    }
}
