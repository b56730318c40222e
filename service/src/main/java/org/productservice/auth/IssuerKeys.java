package org.productservice.auth;

import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;

/**
 * One fetched key set, ready to verify with: each usable signing key by its id, with the
 * algorithms it accepts and a verifier built once (building one converts the JWK to a Java key,
 * which costs as much as a cheap signature check).
 *
 * @param byKid      usable keys by {@code kid}
 * @param generation changes when a key is removed or replaced, not when one is added
 * @param fetchedAt  {@link System#nanoTime()} of the fetch
 */
record IssuerKeys(Map<String, TrustedKey> byKid, long generation, long fetchedAt) {
    private static final System.Logger LOGGER = System.getLogger(IssuerKeys.class.getName());

    /**
     * The usable keys of a set.
     *
     * @param set        the issuer's public keys
     * @param allowed    {@code auth.algorithms}; empty: each key's own algorithm
     * @param previous   the keys in use before, or null
     * @param fetchedAt  when the set was fetched
     * @return the keys
     */
    static IssuerKeys of(JWKSet set, Set<String> allowed, IssuerKeys previous, long fetchedAt) {
        Map<String, TrustedKey> byKid = new HashMap<>();
        for (JWK key : set.getKeys()) {
            TrustedKey trusted = trust(key, allowed);
            if (trusted != null) {
                byKid.putIfAbsent(key.getKeyID(), trusted);
            }
        }
        long generation = previous == null ? 1 : previous.generation();
        if (previous != null && previous.byKid.entrySet().stream().anyMatch(
                old -> !byKid.containsKey(old.getKey())
                        || !byKid.get(old.getKey()).jwk().toJSONObject().equals(old.getValue().jwk().toJSONObject()))) {
            generation++;
        }
        return new IssuerKeys(Map.copyOf(byKid), generation, fetchedAt);
    }

    /** A signing key with an id, of a type and algorithm this service verifies; null otherwise. */
    private static TrustedKey trust(JWK key, Set<String> allowed) {
        if (key.getKeyID() == null || (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse()))) {
            return null;
        }
        Set<JWSAlgorithm> accepted = accepted(key, allowed);
        if (accepted.isEmpty()) {
            return null;
        }
        try {
            JWSVerifier verifier = switch (key) {
                case RSAKey rsa -> new RSASSAVerifier(rsa);
                case ECKey ec -> new ECDSAVerifier(ec);
                default -> null;
            };
            return verifier == null ? null : new TrustedKey(key, accepted, verifier);
        } catch (JOSEException | RuntimeException e) {
            LOGGER.log(Level.WARNING, "The issuer's key " + key.getKeyID() + " cannot be used: " + IssuerDocuments.describe(e));
            return null;
        }
    }

    /**
     * The algorithms a key verifies: its {@code alg}, or when it has none the one its type
     * implies (RSA: RS256, what every provider signs with; EC: the curve's ES algorithm); with
     * {@code auth.algorithms} set, those of the list that fit the key.
     */
    static Set<JWSAlgorithm> accepted(JWK key, Set<String> allowed) {
        Set<JWSAlgorithm> fitting = switch (key) {
            case RSAKey ignored -> Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
                                          JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
            case ECKey ec -> ec.getCurve() == null ? Set.of() : Set.copyOf(ec.getCurve().equals(Curve.P_256)
                    ? Set.of(JWSAlgorithm.ES256) : ec.getCurve().equals(Curve.P_384)
                    ? Set.of(JWSAlgorithm.ES384) : ec.getCurve().equals(Curve.P_521)
                    ? Set.of(JWSAlgorithm.ES512) : Set.of());
            default -> Set.of();
        };
        Set<JWSAlgorithm> own = key.getAlgorithm() != null
                ? Set.of(JWSAlgorithm.parse(key.getAlgorithm().getName()))
                : allowed.isEmpty() && key instanceof RSAKey ? Set.of(JWSAlgorithm.RS256) : fitting;
        return own.stream()
                .filter(fitting::contains)
                .filter(algorithm -> allowed.isEmpty() || allowed.contains(algorithm.getName()))
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * A key the service verifies with.
     *
     * @param jwk       the issuer's key
     * @param accepted  algorithms a token signed with it may name
     * @param verifier  nimbus's verifier for it (thread-safe: it keeps no state between calls)
     */
    record TrustedKey(JWK jwk, Set<JWSAlgorithm> accepted, JWSVerifier verifier) {
    }
}
