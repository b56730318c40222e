package org.productservice.auth;

import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Checks a bearer JWT, cheapest checks first, so that a forged token costs as little as it can:
 * <ol>
 *     <li>strict compact JWS: three non-empty base64url parts and nothing else, each in its one
 *     canonical encoding (then no two strings are the same token, and no variant of a valid
 *     token reaches the cache);</li>
 *     <li>the cache of tokens already verified;</li>
 *     <li>the header: no {@code crit}, an accepted algorithm, a key id;</li>
 *     <li>the claims: {@code iss}, {@code exp}/{@code nbf}, the audience, a principal;</li>
 *     <li>the key: known (an unknown one may make the key set be fetched again), and the token's
 *     algorithm is one the key accepts;</li>
 *     <li>the signature, last: it is the only costly step, and a token not seen before gets
 *     it only within the {@link SignatureBudget} (503 past it).</li>
 * </ol>
 * Parsing and signature checks are nimbus-jose-jwt's; this class only decides what to accept.
 * HMAC algorithms and {@code none} are never accepted, so a token "signed" with the public key
 * as an HMAC secret fails like any other bad signature.
 */
final class TokenVerifier {
    /** Longest token accepted; real access tokens are 1-3 KB. */
    static final int MAX_TOKEN_CHARS = 8192;

    private final AuthSettings settings;
    private final KeySource keys;
    private final Clock clock;
    private final VerifiedTokens verified;
    private final SignatureBudget signatureBudget;

    TokenVerifier(AuthSettings settings, KeySource keys, Clock clock) {
        this(settings, keys, clock, Runtime.getRuntime().availableProcessors());
    }

    TokenVerifier(AuthSettings settings, KeySource keys, Clock clock, int cpus) {
        this.settings = settings;
        this.keys = keys;
        this.clock = clock;
        this.verified = new VerifiedTokens(settings.tokenCache());
        this.signatureBudget = new SignatureBudget(cpus, System::nanoTime);
    }

    /**
     * Checks a token.
     *
     * @param token the bearer token
     * @return who sent it and what it allows
     * @throws InvalidTokenException   401 if the token is not acceptable
     * @throws KeysUnavailableException 503 if no keys are available to check it
     * @throws SignatureChecksBusyException 503 if too many new tokens are being checked
     */
    VerifiedToken verify(String token) {
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new InvalidTokenException(Refusal.MALFORMED, "token too long");
        }
        if (!strictCompactJws(token)) {
            throw new InvalidTokenException(Refusal.MALFORMED, "token is not a signed JWT");
        }
        long generation = keys.generation();
        Instant now = clock.instant();
        Optional<VerifiedToken> cached = verified.find(token, generation, now);
        if (cached.isPresent()) {
            return cached.get();
        }
        // Stored under the generation read before the key was: if a key is removed meanwhile, the
        // entry is never used rather than outliving the key.
        VerifiedToken result = verifyNow(token, now);
        verified.put(token, generation, result.expiresAt().plus(settings.skew()), result);
        return result;
    }

    /**
     * Whether a token is in the JWS compact serialisation and nothing else (RFC 7515 section 7.1,
     * base64url without padding as section 2 defines it): exactly three non-empty parts of
     * {@code A-Z a-z 0-9 - _}, each of a length a byte string can have, with the unused low bits
     * of its last character zero. nimbus's decoder is lenient (it skips other characters and
     * ignores those bits), so without this check {@code token + "!"} would verify as the token.
     *
     * @param token the bearer token
     * @return true if strict
     */
    static boolean strictCompactJws(String token) {
        int parts = 0;
        int start = 0;
        int length = token.length();
        for (int i = 0; i <= length; i++) {
            if (i == length || token.charAt(i) == '.') {
                if (++parts > 3 || !canonicalEnd(token, start, i)) {
                    return false;
                }
                start = i + 1;
            } else if (!base64url(token.charAt(i))) {
                return false;
            }
        }
        return parts == 3;
    }

    private static boolean base64url(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    /** A non-empty part whose length and last character a byte string's encoding can have. */
    private static boolean canonicalEnd(String token, int start, int end) {
        int length = end - start;
        if (length == 0) {
            return false;
        }
        int value = sextet(token.charAt(end - 1));
        return switch (length % 4) {
            case 1 -> false;
            case 2 -> (value & 0x0f) == 0;   // one byte: 8 of the 12 bits used
            case 3 -> (value & 0x03) == 0;   // two bytes: 16 of the 18 bits used
            default -> true;
        };
    }

    private static int sextet(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : 63;
    }

    private VerifiedToken verifyNow(String token, Instant now) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | RuntimeException e) {
            // A header that is not a JSON object, alg none...
            throw new InvalidTokenException(Refusal.MALFORMED, "token is not a signed JWT");
        }
        JWSHeader header = jwt.getHeader();
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            throw new InvalidTokenException(Refusal.MALFORMED, "critical header parameters are not supported");
        }
        JWSAlgorithm algorithm = header.getAlgorithm();
        if (!(settings.algorithms().isEmpty() ? AuthSettings.SUPPORTED_ALGORITHMS : settings.algorithms())
                .contains(algorithm.getName())) {
            throw new InvalidTokenException(Refusal.SIGNATURE, "signature algorithm not accepted");
        }
        String kid = header.getKeyID();
        if (kid == null) {
            throw new InvalidTokenException(Refusal.SIGNATURE, "token names no key id");
        }
        // A known key costs a map lookup: its algorithm is checked before the claims. An unknown
        // one may cost a fetch: only tokens whose claims pass ask for it.
        IssuerKeys.TrustedKey key = keys.cached(kid);
        if (key != null) {
            acceptsAlgorithm(key, algorithm);
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new InvalidTokenException(Refusal.MALFORMED, "claims are not a JSON object");
        }
        VerifiedToken accepted = checkClaims(claims, now);
        if (key == null) {
            key = keys.find(kid).orElseThrow(() -> new InvalidTokenException(Refusal.SIGNATURE, "unknown key id"));
            acceptsAlgorithm(key, algorithm);
        }
        long start = signatureBudget.start();
        boolean valid;
        try {
            valid = jwt.verify(key.verifier());
        } catch (JOSEException | RuntimeException e) {
            valid = false;
        } finally {
            signatureBudget.charge(start);
        }
        if (!valid) {
            throw new InvalidTokenException(Refusal.SIGNATURE, "invalid signature");
        }
        return accepted;
    }

    private static void acceptsAlgorithm(IssuerKeys.TrustedKey key, JWSAlgorithm algorithm) {
        if (!key.accepted().contains(algorithm)) {
            throw new InvalidTokenException(Refusal.SIGNATURE, "signature algorithm not accepted");
        }
    }

    private VerifiedToken checkClaims(JWTClaimsSet claims, Instant now) {
        if (!settings.issuer().equals(claims.getIssuer())) {
            throw new InvalidTokenException(Refusal.ISSUER, "wrong issuer");
        }
        Date expires = claims.getExpirationTime();
        if (expires == null) {
            throw new InvalidTokenException(Refusal.MALFORMED, "token has no expiry");
        }
        if (now.isAfter(expires.toInstant().plus(settings.skew()))) {
            throw new InvalidTokenException(Refusal.EXPIRED, "token expired");
        }
        Date notBefore = claims.getNotBeforeTime();
        if (notBefore != null && now.plus(settings.skew()).isBefore(notBefore.toInstant())) {
            throw new InvalidTokenException(Refusal.EXPIRED, "token not yet valid");
        }
        if (strings(claims, settings.audienceClaim()).stream().noneMatch(settings.audiences()::contains)) {
            throw new InvalidTokenException(Refusal.AUDIENCE, "wrong audience");
        }
        Optional<String> named = strings(claims, settings.principalClaim()).stream().findFirst();
        if (named.isEmpty() && settings.principalClaim().equals("sub")) {
            // Client-credentials tokens of some providers (Cognito) carry no sub.
            named = strings(claims, "client_id").stream().findFirst();
        }
        String principal = named.filter(name -> !name.isBlank())
                .orElseThrow(() -> new InvalidTokenException(Refusal.MALFORMED, "token names no subject"));
        Set<String> scopes = new LinkedHashSet<>();
        for (String scope : strings(claims, "scope")) {
            scopes.addAll(List.of(scope.strip().split("\\s+")));
        }
        scopes.addAll(strings(claims, "scp"));
        return new VerifiedToken(principal, Set.copyOf(scopes), expires.toInstant());
    }

    /** A claim that may be a string or an array of strings; anything else counts as absent. */
    private static List<String> strings(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        if (value instanceof String text) {
            return List.of(text);
        }
        if (value instanceof List<?> list) {
            return list.stream().filter(String.class::isInstance).map(String.class::cast).toList();
        }
        return List.of();
    }

    /**
     * An accepted token.
     *
     * @param principal the principal claim's value ({@code sub}, or {@code client_id} without one)
     * @param scopes    granted scopes
     * @param expiresAt end of validity
     */
    record VerifiedToken(String principal, Set<String> scopes, Instant expiresAt) {
    }
}
