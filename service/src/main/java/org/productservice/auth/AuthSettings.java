package org.productservice.auth;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import io.helidon.config.Config;

/**
 * Settings of bearer-token authentication, from the {@code auth} config node (environment:
 * {@code AUTH_MODE}, {@code AUTH_ISSUER}, {@code AUTH_JWKS}, {@code AUTH_AUDIENCE},
 * {@code AUTH_CLAIMS_AUDIENCE}, {@code AUTH_SCOPES_READ}, {@code AUTH_SCOPES_WRITE}, {@code AUTH_SKEW},
 * {@code AUTH_KEYS_REFRESH}, {@code AUTH_KEYS_TTL}, {@code AUTH_KEYS_TIMEOUT}, {@code AUTH_CACHE_TOKENS}).
 *
 * @param mode          {@code jwt} (every /products call needs a token) or {@code none}
 * @param issuer        the {@code iss} tokens must carry
 * @param jwks          where the issuer's key set is; empty means discovered from the issuer
 * @param audience      the audience tokens must be meant for
 * @param audienceClaim claim holding the audience: {@code aud}, or {@code client_id} for Cognito
 * @param readScope     scope that GET needs
 * @param writeScope    scope that POST, PUT, PATCH and DELETE need
 * @param skew          clock difference tolerated on {@code exp} and {@code nbf}
 * @param keysRefresh   shortest time between two fetches of the key set (an unknown key id
 *                      cannot make the service fetch more often)
 * @param keysTtl       age after which cached keys are refreshed in the background
 * @param keysTimeout   time limit of one fetch
 * @param tokenCache    most verified tokens remembered until they expire (0: none)
 */
public record AuthSettings(Mode mode, String issuer, Optional<URI> jwks, String audience, String audienceClaim,
                           String readScope, String writeScope, Duration skew, Duration keysRefresh,
                           Duration keysTtl, Duration keysTimeout, int tokenCache) {

    /** Whether calls need a token. */
    public enum Mode {
        /** No authentication: the local profile, the tests, compose. */
        NONE,
        /** Bearer JWTs, checked against the issuer's keys. */
        JWT
    }

    /** Checks the settings. */
    public AuthSettings {
        if (mode == Mode.JWT) {
            if (issuer == null || issuer.isBlank()) {
                throw new IllegalArgumentException("auth.issuer is not set: set AUTH_ISSUER to the token issuer "
                                                           + "(or AUTH_MODE=none to serve without authentication)");
            }
            if (audience == null || audience.isBlank()) {
                throw new IllegalArgumentException("auth.audience is not set: set AUTH_AUDIENCE to the audience "
                                                           + "tokens are issued for");
            }
        }
        if (tokenCache < 0) {
            throw new IllegalArgumentException("auth.cache.tokens must not be negative");
        }
        if (skew.isNegative() || keysRefresh.isNegative() || !keysTtl.isPositive() || !keysTimeout.isPositive()) {
            throw new IllegalArgumentException("auth.skew and auth.keys.refresh must not be negative, "
                                                       + "auth.keys.ttl and auth.keys.timeout must be positive");
        }
    }

    /**
     * Reads the settings.
     *
     * @param auth the {@code auth} config node
     * @return settings, with defaults for missing keys
     */
    public static AuthSettings create(Config auth) {
        String modeName = auth.get("mode").asString().orElse("jwt");
        Mode mode = switch (modeName.toLowerCase(Locale.ROOT)) {
            case "jwt" -> Mode.JWT;
            case "none" -> Mode.NONE;
            default -> throw new IllegalArgumentException("auth.mode (AUTH_MODE) must be jwt or none, not " + modeName);
        };
        Optional<URI> jwks = auth.get("jwks").asString().filter(value -> !value.isBlank()).map(URI::create);
        return new AuthSettings(mode,
                                auth.get("issuer").asString().orElse(null),
                                jwks,
                                auth.get("audience").asString().orElse(null),
                                auth.get("claims.audience").asString().orElse("aud"),
                                auth.get("scopes.read").asString().orElse("products.read"),
                                auth.get("scopes.write").asString().orElse("products.write"),
                                auth.get("skew").as(Duration.class).orElse(Duration.ofSeconds(60)),
                                auth.get("keys.refresh").as(Duration.class).orElse(Duration.ofSeconds(30)),
                                auth.get("keys.ttl").as(Duration.class).orElse(Duration.ofMinutes(10)),
                                auth.get("keys.timeout").as(Duration.class).orElse(Duration.ofSeconds(2)),
                                auth.get("cache.tokens").asInt().orElse(10_000));
    }
}
