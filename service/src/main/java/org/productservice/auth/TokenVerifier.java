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
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Checks a bearer JWT, in this order: well-formed, an allowed asymmetric algorithm, a known key
 * of the issuer, the signature, then {@code iss}, {@code exp}/{@code nbf} and the audience.
 * Parsing and signature checks are nimbus-jose-jwt's; this class only decides what to accept.
 * HMAC algorithms and {@code none} are never accepted, so a token "signed" with the public key
 * as an HMAC secret fails like any other bad signature.
 */
final class TokenVerifier {
    /** Longest token accepted; real access tokens are 1-3 KB. */
    static final int MAX_TOKEN_CHARS = 8192;

    private static final Set<JWSAlgorithm> RSA = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
                                                        JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
    private static final Set<JWSAlgorithm> EC = Set.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    private final AuthSettings settings;
    private final KeySource keys;
    private final Clock clock;
    private final VerifiedTokens verified;

    TokenVerifier(AuthSettings settings, KeySource keys, Clock clock) {
        this.settings = settings;
        this.keys = keys;
        this.clock = clock;
        this.verified = new VerifiedTokens(settings.tokenCache());
    }

    /**
     * Checks a token.
     *
     * @param token the bearer token
     * @return who sent it and what it allows
     * @throws InvalidTokenException   401 if the token is not acceptable
     * @throws KeysUnavailableException 503 if no keys are available to check it
     */
    VerifiedToken verify(String token) {
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new InvalidTokenException(Refusal.MALFORMED, "token too long");
        }
        long generation = keys.generation();
        Instant now = clock.instant();
        Optional<VerifiedToken> cached = verified.find(token, generation, now);
        if (cached.isPresent()) {
            return cached.get();
        }
        VerifiedToken result = verifyNow(token, now);
        verified.put(token, generation, result.expiresAt().plus(settings.skew()), result, now);
        return result;
    }

    private VerifiedToken verifyNow(String token, Instant now) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | RuntimeException e) {
            // Not three base64url parts, a header that is not a JSON object, alg none...
            throw new InvalidTokenException(Refusal.MALFORMED, "token is not a signed JWT");
        }
        JWSHeader header = jwt.getHeader();
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            throw new InvalidTokenException(Refusal.MALFORMED, "critical header parameters are not supported");
        }
        JWSAlgorithm algorithm = header.getAlgorithm();
        if (!RSA.contains(algorithm) && !EC.contains(algorithm)) {
            throw new InvalidTokenException(Refusal.SIGNATURE, "signature algorithm not accepted");
        }
        if (header.getKeyID() == null) {
            throw new InvalidTokenException(Refusal.SIGNATURE, "token names no key id");
        }
        JWK key = keys.find(header.getKeyID())
                .orElseThrow(() -> new InvalidTokenException(Refusal.SIGNATURE, "unknown key id"));
        if (!verifies(jwt, algorithm, key)) {
            throw new InvalidTokenException(Refusal.SIGNATURE, "invalid signature");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new InvalidTokenException(Refusal.MALFORMED, "claims are not a JSON object");
        }
        return checkClaims(claims, now);
    }

    private static boolean verifies(SignedJWT jwt, JWSAlgorithm algorithm, JWK key) {
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
            return false;
        }
        if (key.getAlgorithm() != null && !key.getAlgorithm().equals(algorithm)) {
            return false;
        }
        try {
            JWSVerifier verifier;
            if (RSA.contains(algorithm) && key instanceof RSAKey rsa) {
                verifier = new RSASSAVerifier(rsa);
            } else if (EC.contains(algorithm) && key instanceof ECKey ec
                    && Curve.forJWSAlgorithm(algorithm).contains(ec.getCurve())) {
                verifier = new ECDSAVerifier(ec);
            } else {
                return false;
            }
            return jwt.verify(verifier);
        } catch (JOSEException | RuntimeException e) {
            return false;
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
        if (!strings(claims, settings.audienceClaim()).contains(settings.audience())) {
            throw new InvalidTokenException(Refusal.AUDIENCE, "wrong audience");
        }
        String principal = Optional.ofNullable(claims.getSubject())
                .or(() -> strings(claims, "client_id").stream().findFirst())
                .filter(name -> !name.isBlank())
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
     * @param principal {@code sub}, or {@code client_id}
     * @param scopes    granted scopes
     * @param expiresAt end of validity
     */
    record VerifiedToken(String principal, Set<String> scopes, Instant expiresAt) {
    }
}
