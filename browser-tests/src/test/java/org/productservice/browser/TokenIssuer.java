package org.productservice.browser;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

/**
 * A token issuer for the service under test: an RSA key generated for this run, its public half
 * published as a JWK Set over real HTTP on the loopback (the service fetches it as it would
 * Cognito's), and access tokens signed with it. The service runs in another process, so the
 * issuer is plain HTTP, not a class of the service's tests.
 */
final class TokenIssuer implements AutoCloseable {
    /** The audience the service is configured to expect. */
    static final String AUDIENCE = "product-api";
    private static final Duration LIFETIME = Duration.ofMinutes(15);

    private final RSAKey key;
    private final HttpServer server;

    private TokenIssuer(RSAKey key, HttpServer server) {
        this.key = key;
        this.server = server;
    }

    /**
     * Generates the key and starts serving {@code /jwks} on a free loopback port.
     *
     * @return the running issuer; close it after use
     */
    static TokenIssuer start() {
        try {
            RSAKey key = new RSAKeyGenerator(2048).keyID("browser-" + UUID.randomUUID()).generate();
            byte[] jwks = new JWKSet(key).toPublicJWKSet().toString().getBytes(StandardCharsets.UTF_8);
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/jwks", exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "application/jwk-set+json");
                exchange.sendResponseHeaders(200, jwks.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(jwks);
                }
            });
            server.start();
            return new TokenIssuer(key, server);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the {@code iss} of this issuer's tokens */
    String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** @return the service settings that make it accept (only) this issuer's tokens */
    Map<String, String> serviceSettings() {
        return Map.of("auth.mode", "jwt",
                      "auth.issuer", issuer(),
                      "auth.audience", AUDIENCE,
                      "auth.jwks", issuer() + "/jwks");
    }

    /**
     * Signs an access token for this run.
     *
     * @param subject the client it is issued to
     * @param scope space-separated scopes, e.g. "products.read products.write"
     * @return the compact JWT
     */
    String token(String subject, String scope) {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer())
                .audience(AUDIENCE)
                .subject(subject)
                .claim("scope", scope)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(LIFETIME)))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                                              .type(new JOSEObjectType("at+jwt")).build(), claims);
        try {
            jwt.sign(new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
