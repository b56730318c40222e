package org.productservice.auth;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import io.helidon.config.Config;

import static org.productservice.config.ConfigKeys.duration;
import static org.productservice.config.ConfigKeys.integer;
import static org.productservice.config.ConfigKeys.optional;
import static org.productservice.config.ConfigKeys.string;

/**
 * Settings of bearer-token authentication, from the {@code auth} config node (environment:
 * {@code AUTH_MODE}, {@code AUTH_ISSUER}, {@code AUTH_JWKS}, {@code AUTH_AUDIENCE},
 * {@code AUTH_CLAIMS_AUDIENCE}, {@code AUTH_CLAIMS_PRINCIPAL}, {@code AUTH_ALGORITHMS},
 * {@code AUTH_SCOPES_READ}, {@code AUTH_SCOPES_WRITE}, {@code AUTH_SKEW}, {@code AUTH_KEYS_REFRESH},
 * {@code AUTH_KEYS_BURST}, {@code AUTH_KEYS_TTL}, {@code AUTH_KEYS_TIMEOUT}, {@code AUTH_KEYS_WAIT},
 * {@code AUTH_CACHE_TOKENS}). Defaults live in {@code application.yaml} only; {@code issuer},
 * {@code audience}, {@code jwks} and {@code algorithms} have none.
 *
 * @param mode           {@code jwt} (every /products call needs a token) or {@code none}
 * @param issuer         the {@code iss} tokens must carry
 * @param jwks           where the issuer's key set is; empty means discovered from the issuer
 * @param audiences      the audiences a token may be meant for (one is enough)
 * @param audienceClaim  claim holding the audience: {@code aud}, {@code client_id} for Cognito,
 *                       {@code azp} for a Keycloak realm without an audience mapper
 * @param principalClaim claim naming the caller (access log, idempotency scope); {@code sub}
 *                       falls back to {@code client_id} when a token has no {@code sub}
 * @param algorithms     signature algorithms accepted; empty means those of the issuer's keys
 * @param readScope      scope that GET needs
 * @param writeScope     scope that POST, PUT, PATCH and DELETE need
 * @param skew           clock difference tolerated on {@code exp} and {@code nbf}
 * @param keysRefresh    unknown key ids make the service fetch the key set at most once per this
 *                       interval, on average
 * @param keysBurst      fetches for unknown key ids allowed back to back
 *                       before {@code keysRefresh} applies: a rotation right after a fetch waits for nothing
 * @param keysTtl        age after which cached keys are refreshed in the background
 * @param keysTimeout    time limit of one fetch, discovery and body included
 * @param keysWait       {@code auth.keys.wait}: still read and checked so that existing deployments start; no call waits for a key fetch any more
 * @param tokenCache     most verified tokens remembered until they expire (0: none)
 */
public record AuthSettings(Mode mode, String issuer, Optional<URI> jwks, Set<String> audiences, String audienceClaim,
                           String principalClaim, Set<String> algorithms, String readScope, String writeScope,
                           Duration skew, Duration keysRefresh, int keysBurst, Duration keysTtl, Duration keysTimeout,
                           Duration keysWait, int tokenCache) {
    /** The asymmetric JWS algorithms nimbus verifies for us; never {@code none} nor HMAC. */
    static final Set<String> SUPPORTED_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                                           "ES256", "ES384", "ES512");

    /** Whether calls need a token. */
    public enum Mode {
        /** No authentication: the local profile, the tests, compose. */
        NONE,
        /** Bearer JWTs, checked against the issuer's keys. */
        JWT
    }

    /** Checks the settings. */
    public AuthSettings {
        audiences = Set.copyOf(audiences);
        algorithms = Set.copyOf(algorithms);
        if (mode == Mode.JWT) {
            if (issuer == null || issuer.isBlank()) {
                throw new IllegalArgumentException("auth.issuer is not set: set AUTH_ISSUER to the token issuer "
                                                           + "(or AUTH_MODE=none to serve without authentication)");
            }
            if (audiences.isEmpty()) {
                throw new IllegalArgumentException("auth.audience is not set: set AUTH_AUDIENCE to the audience "
                                                           + "tokens are issued for (several: comma-separated)");
            }
        }
        for (String algorithm : algorithms) {
            if (!SUPPORTED_ALGORITHMS.contains(algorithm)) {
                throw new IllegalArgumentException("auth.algorithms (AUTH_ALGORITHMS) lists " + algorithm
                                                           + ": only " + String.join(", ", SUPPORTED_ALGORITHMS.stream().sorted().toList())
                                                           + " can be accepted");
            }
        }
        if (principalClaim == null || principalClaim.isBlank()) {
            throw new IllegalArgumentException("auth.claims.principal (AUTH_CLAIMS_PRINCIPAL) must name a claim, e.g. sub");
        }
        if (tokenCache < 0) {
            throw new IllegalArgumentException("auth.cache.tokens must not be negative");
        }
        if (keysBurst < 1) {
            throw new IllegalArgumentException("auth.keys.burst (AUTH_KEYS_BURST) must be at least 1");
        }
        if (skew.isNegative() || keysRefresh.isNegative() || keysWait.isNegative() || !keysTtl.isPositive()
                || !keysTimeout.isPositive()) {
            throw new IllegalArgumentException("auth.skew, auth.keys.refresh and auth.keys.wait must not be negative, "
                                                       + "auth.keys.ttl and auth.keys.timeout must be positive");
        }
    }

    /**
     * Reads the settings.
     *
     * @param auth the {@code auth} config node
     * @return settings
     * @throws IllegalArgumentException naming the key and its variable, when one is missing or invalid
     */
    public static AuthSettings create(Config auth) {
        String modeName = string(auth.get("mode"));
        Mode mode = switch (modeName.toLowerCase(Locale.ROOT)) {
            case "jwt" -> Mode.JWT;
            case "none" -> Mode.NONE;
            default -> throw new IllegalArgumentException("auth.mode (AUTH_MODE) must be jwt or none, not " + modeName);
        };
        return new AuthSettings(mode,
                                optional(auth.get("issuer")).orElse(null),
                                optional(auth.get("jwks"), URI::create),
                                list(auth.get("audience")),
                                string(auth.get("claims.audience")),
                                string(auth.get("claims.principal")),
                                list(auth.get("algorithms")),
                                string(auth.get("scopes.read")),
                                string(auth.get("scopes.write")),
                                duration(auth.get("skew")),
                                duration(auth.get("keys.refresh")),
                                integer(auth.get("keys.burst")),
                                duration(auth.get("keys.ttl")),
                                duration(auth.get("keys.timeout")),
                                duration(auth.get("keys.wait")),
                                integer(auth.get("cache.tokens")));
    }

    /** A YAML list, or one comma-separated value (the only way an environment variable can hold a list). */
    private static Set<String> list(Config node) {
        List<String> values = node.isList()
                ? node.asList(String.class).orElse(List.of())
                : node.asString().map(value -> Arrays.asList(value.split(","))).orElse(List.of());
        Set<String> result = new LinkedHashSet<>();
        for (String value : values) {
            if (!value.isBlank()) {
                result.add(value.strip());
            }
        }
        return result;
    }
}
