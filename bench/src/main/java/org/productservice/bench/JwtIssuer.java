package org.productservice.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The identity provider of {@code --auth=jwt}: a fresh RSA key pair per run, its public half
 * served as a JWKS on loopback, and one RS256 access token with the API's scopes that the bench
 * sends on every service request. The service is started with the issue-11 settings
 * ({@link #serviceSettings()}) and fetches the JWKS itself, as it would from a real issuer.
 */
final class JwtIssuer implements AutoCloseable {
    static final String JWKS_PATH = "/.well-known/jwks.json";
    static final String AUDIENCE = "product-service";
    static final String SCOPES = "products.read products.write";
    /** Longer than any run, so the token never expires mid-measurement. */
    static final Duration TOKEN_LIFETIME = Duration.ofHours(12);

    private final HttpServer server;
    private final RSAKey key;
    private final byte[] jwks;
    private final AtomicLong jwksRequests = new AtomicLong();
    private final String token;

    private JwtIssuer(HttpServer server, RSAKey key) throws JOSEException {
        this.server = server;
        this.key = key;
        this.jwks = new JWKSet(key.toPublicJWK()).toString(true).getBytes(StandardCharsets.UTF_8);
        this.token = sign(Instant.now());
    }

    /**
     * Generates the key pair and starts serving the JWKS on a free loopback port.
     *
     * @return the running issuer
     * @throws IOException   if the server cannot bind
     * @throws JOSEException if the key cannot be generated or the token signed
     */
    static JwtIssuer start() throws IOException, JOSEException {
        RSAKey key = new RSAKeyGenerator(2048)
                .keyUse(KeyUse.SIGNATURE)
                .algorithm(JWSAlgorithm.RS256)
                .keyID(UUID.randomUUID().toString())
                .generate();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        JwtIssuer issuer = new JwtIssuer(server, key);
        server.createContext(JWKS_PATH, issuer::serveJwks);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return issuer;
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The {@code iss} claim: the issuer's base URL, as an OpenID provider's would be. */
    String issuer() {
        return base();
    }

    String jwksUrl() {
        return base() + JWKS_PATH;
    }

    /** The access token, e.g. for {@code Authorization: Bearer}. */
    String token() {
        return token;
    }

    /** The value of the Authorization header the bench sends. */
    String authorization() {
        return "Bearer " + token;
    }

    /** How often the service fetched the JWKS: once or a few times per start, never per request. */
    long jwksRequests() {
        return jwksRequests.get();
    }

    /** The service's auth settings (issue 11's configuration keys), as system properties. */
    List<String> serviceSettings() {
        return List.of("-Dauth.mode=jwt", "-Dauth.issuer=" + issuer(), "-Dauth.jwks=" + jwksUrl(),
                       "-Dauth.audience=" + AUDIENCE);
    }

    /** The public key set, as served. */
    JWKSet publicKeys() {
        return new JWKSet(key.toPublicJWK());
    }

    private String sign(Instant now) throws JOSEException {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer())
                .audience(AUDIENCE)
                .subject("bench")
                .claim("scope", SCOPES)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now.minusSeconds(60)))
                .expirationTime(Date.from(now.plus(TOKEN_LIFETIME)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256)
                                              .keyID(key.getKeyID())
                                              .type(JOSEObjectType.JWT)
                                              .build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private void serveJwks(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            jwksRequests.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "application/jwk-set+json");
            exchange.getResponseHeaders().set("Cache-Control", "max-age=300");
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, jwks.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(jwks);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
