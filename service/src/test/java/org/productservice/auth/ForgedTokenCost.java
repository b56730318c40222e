package org.productservice.auth;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;

import io.helidon.config.Config;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import org.productservice.testing.TestConfig;

/**
 * What one refused token costs the service's CPU, per kind of forgery, in microseconds: not a
 * test (no timing is asserted anywhere), a measurement to run by hand on a quiet machine:
 * <pre>
 * ./mvnw -q -pl service -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp service/target/classes:service/target/test-classes:$(cat /tmp/cp.txt) org.productservice.auth.ForgedTokenCost
 * </pre>
 * The issuer here publishes an RSA 2048 and a P-521 key (read from a file: no HTTP in the
 * measurement). Each token is distinct, so no cache can answer for it; one thread sends them
 * back to back, so past the burst the {@link SignatureBudget} answers most with 503 (the last
 * column) and the average is what a flood costs.
 */
public final class ForgedTokenCost {
    static final String ISSUER = "https://issuer.example";
    static final String AUDIENCE = "product-api";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ForgedTokenCost() {
    }

    /**
     * Runs every case and prints a table.
     *
     * @param args optional: iterations per case (default 2000)
     * @throws Exception if the keys cannot be made
     */
    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa").generate();
        ECKey p521 = new ECKeyGenerator(Curve.P_521).keyID("p521").generate();
        Path jwks = Files.createTempFile("jwks", ".json");
        Files.writeString(jwks, new JWKSet(List.of(rsa, p521)).toPublicJWKSet().toString());
        Config config = TestConfig.production(Map.of("auth.issuer", ISSUER, "auth.audience", AUDIENCE,
                                                     "auth.jwks", jwks.toUri().toString()));
        AuthSettings settings = AuthSettings.create(config.get("auth"));
        KeySource keys = new KeySource(settings);
        TokenVerifier verifier = new TokenVerifier(settings, keys, Clock.systemUTC());
        keys.ready();

        Map<String, IntFunction<String>> cases = new java.util.LinkedHashMap<>();
        cases.put("RS256, valid (first sight)", i -> sign(rsa, JWSAlgorithm.RS256, claims(i, 300)));
        cases.put("ES512, valid (first sight)", i -> sign(p521, JWSAlgorithm.ES512, claims(i, 300)));
        cases.put("RS256, forged signature", i -> forge(rsa.getKeyID(), JWSAlgorithm.RS256, claims(i, 300), 256));
        cases.put("ES512, forged signature", i -> forge(p521.getKeyID(), JWSAlgorithm.ES512, claims(i, 300), 132));
        cases.put("ES512, forged, expired", i -> forge(p521.getKeyID(), JWSAlgorithm.ES512, claims(i, -300), 132));
        cases.put("ES512, forged, other audience", i -> forge(p521.getKeyID(), JWSAlgorithm.ES512,
                                                              claims(i, 300).audience("other").build(), 132));
        cases.put("ES512, forged, unknown kid", i -> forge("kid-" + i, JWSAlgorithm.ES512, claims(i, 300), 132));
        cases.put("PS512, forged, algorithm the issuer never uses", i -> forge(rsa.getKeyID(), JWSAlgorithm.PS512,
                                                                              claims(i, 300), 256));
        System.out.printf("%-50s %12s %10s%n", "token", "µs/token", "503 busy");
        for (var entry : cases.entrySet()) {
            List<String> tokens = new ArrayList<>();
            for (int i = 0; i < iterations * 2; i++) {
                tokens.add(entry.getValue().apply(i));
            }
            run(verifier, tokens.subList(0, iterations)); // warm-up
            long start = System.nanoTime();
            int busy = run(verifier, tokens.subList(iterations, tokens.size()));
            System.out.printf("%-50s %12.1f %9d%%%n", entry.getKey(), (System.nanoTime() - start) / 1e3 / iterations,
                              100 * busy / iterations);
        }
        String cachedToken = sign(rsa, JWSAlgorithm.RS256, claims(0, 300));
        List<String> same = java.util.Collections.nCopies(iterations * 50, cachedToken);
        run(verifier, same);
        long start = System.nanoTime();
        run(verifier, same);
        System.out.printf("%-50s %12.2f%n", "RS256, valid, cached", (System.nanoTime() - start) / 1e3 / same.size());
    }

    /** Checks every token; returns how many got 503 past the budget of signature checks. */
    private static int run(TokenVerifier verifier, List<String> tokens) {
        int busy = 0;
        for (String token : tokens) {
            try {
                verifier.verify(token);
            } catch (InvalidTokenException refused) {
                // what a forged token gets
            } catch (SignatureChecksBusyException spent) {
                busy++;
            }
        }
        return busy;
    }

    static JWTClaimsSet.Builder claims(int i, int expiresIn) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("client")
                .claim("scope", "products.read").jwtID(UUID.randomUUID().toString() + i)
                .expirationTime(Date.from(now.plusSeconds(expiresIn)));
    }

    static String sign(com.nimbusds.jose.jwk.JWK key, JWSAlgorithm algorithm, JWTClaimsSet.Builder claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).build(), claims.build());
            jwt.sign(key instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String forge(String kid, JWSAlgorithm algorithm, JWTClaimsSet.Builder claims, int signatureBytes) {
        return forge(kid, algorithm, claims.build(), signatureBytes);
    }

    /** A well-formed token with random signature bytes of the right length (ECDSA: r and s below the order). */
    private static String forge(String kid, JWSAlgorithm algorithm, JWTClaimsSet claims, int signatureBytes) {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String header = base64.encodeToString(new JWSHeader.Builder(algorithm).keyID(kid).build().toString().getBytes());
        String payload = base64.encodeToString(claims.toString().getBytes());
        byte[] signature = new byte[signatureBytes];
        RANDOM.nextBytes(signature);
        if (algorithm.getName().startsWith("ES")) {
            signature[0] = 0;
            signature[signatureBytes / 2] = 0;
        } else {
            signature[0] &= 0x7f;
        }
        return header + "." + payload + "." + base64.encodeToString(signature);
    }
}
