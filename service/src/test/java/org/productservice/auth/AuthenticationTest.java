package org.productservice.auth;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.productservice.logging.LogFormat;
import org.productservice.testing.Api;
import org.productservice.testing.LogCapture;
import org.productservice.testing.RawHttp;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bearer-token authentication end to end: a real issuer key endpoint over HTTP, keys generated
 * for this run, tokens signed with nimbus, the real service on the real local engine.
 */
class AuthenticationTest {
    private static final String AUDIENCE = "product-api";
    private static final String CHALLENGE = "Bearer realm=\"product-service\"";
    private static final String BOTH = "products.read products.write";
    private static final String TABLES = "auth-" + UUID.randomUUID().toString().substring(0, 8);

    private static JwksServer issuer;
    private static RSAKey rsa;
    private static ECKey ec;
    private static RunningService server;
    private static Api api;
    private static Api admin;

    @BeforeAll
    static void start() throws Exception {
        issuer = new JwksServer();
        rsa = new RSAKeyGenerator(2048).keyID("rsa-" + UUID.randomUUID()).generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-" + UUID.randomUUID()).generate();
        issuer.publish(rsa, ec);
        server = startService(issuer, Map.of("auth.jwks", issuer.jwksUri()));
        api = server.api();
        admin = server.admin();
    }

    @AfterAll
    static void stop() {
        server.close();
        issuer.close();
    }

    static RunningService startService(JwksServer issuer, Map<String, String> overrides) {
        // Every service of this class shares one pair of tables: a new table can cost a start the
        // SDK waiter's 20 s poll interval when the engine is slow to make it ACTIVE.
        Map<String, String> values = new HashMap<>(Map.of("auth.mode", "jwt",
                                                          "auth.issuer", issuer.issuer(),
                                                          "auth.audience", AUDIENCE,
                                                          "auth.keys.refresh", "PT1S",
                                                          "dynamodb.table.products", TABLES + "-products",
                                                          "dynamodb.table.idempotency", TABLES + "-idempotency"));
        values.putAll(overrides);
        return RunningService.start(TestEngine.get().config(values));
    }

    static JWTClaimsSet.Builder claims(JwksServer issuer, String subject, String scope) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(issuer.issuer())
                .audience(AUDIENCE)
                .subject(subject)
                .claim("scope", scope)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)));
    }

    static String rsaToken(RSAKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                                              .type(new JOSEObjectType("at+jwt")).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static String token(String scope) throws Exception {
        return rsaToken(rsa, claims(issuer, "client-a", scope).build());
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    /**
     * Calls with a token of a key the service has not fetched yet until it is accepted: the first
     * call is answered at once (401 unknown key id, or 200 if its fetch was quicker), and starts
     * the fetch that lets the next ones in.
     *
     * @return the last answer, 200 unless the key never became known within 10 s
     */
    private static Api.Response acceptedOnceFetched(Api client, String token) throws InterruptedException {
        Api.Response answer = client.get("/products", "Authorization", bearer(token));
        for (int i = 0; i < 100 && answer.status() != 200; i++) {
            assertThat(answer.header("WWW-Authenticate")).as(answer.body()).hasValue(
                    CHALLENGE + ", error=\"invalid_token\", error_description=\"unknown key id\"");
            Thread.sleep(100);
            answer = client.get("/products", "Authorization", bearer(token));
        }
        return answer;
    }

    @Test
    void noTokenIsRefusedWith401AndTheBearerChallenge() {
        Api.Response response = api.get("/products", "X-Request-Id", "no-token-1");

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate")).hasValue(CHALLENGE);
        assertThat(response.header("Content-Type")).hasValue("application/problem+json");
        JsonNode body = response.json();
        assertThat(body.get("status").asInt()).isEqualTo(401);
        assertThat(body.get("title").asText()).isEqualTo("Unauthorized");
        assertThat(body.get("request_id").asText()).isEqualTo("no-token-1");
        assertThat(body.get("instance").asText()).isEqualTo("/products");
        assertThat(body.get("detail").asText()).contains("bearer token is required");
    }

    @Test
    void aRefusedCallIsRecordedUnderTheRouteItWasFor() throws Exception {
        String id = "3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9e0f12";
        assertThat(api.send("DELETE", "/products/" + id, null).status()).isEqualTo(401);
        assertThat(api.send("DELETE", "/products/" + id, null, "Authorization", bearer(token("products.read"))).status())
                .isEqualTo(403);

        String metrics = admin.get("/observe/metrics", "Accept", "text/plain").body();
        for (String status : List.of("401", "403")) {
            assertThat(metrics.lines().filter(line -> line.startsWith("http_server_requests_seconds_count{")
                    && line.contains("method=\"DELETE\"") && line.contains("status=\"" + status + "\"")))
                    .as("DELETE refused with " + status)
                    .isNotEmpty()
                    .allSatisfy(line -> assertThat(line).contains("route=\"/products/{id}\""));
        }
    }

    @Test
    void aRefusedHeadCarriesNoBodySoThePipelinedCallIsAnsweredCorrectly() {
        String answer = RawHttp.exchange(server.port(), "HEAD /products HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD /products/not-a-uuid HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
        RawHttp.Parsed parsed = RawHttp.parse(answer, List.of("HEAD", "HEAD", "GET"));
        assertThat(parsed.responses()).as(answer).extracting(RawHttp.Response::status).containsExactly(401, 401, 401);
        assertThat(parsed.responses().get(0).header("www-authenticate")).isEqualTo(CHALLENGE);
        assertThat(parsed.responses().get(2).body()).contains("\"status\":401");
        assertThat(parsed.rest()).as(answer).isEmpty();
    }

    @Test
    void rsaAndEcTokensWithTheReadScopeListProducts() throws Exception {
        SignedJWT es = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(),
                                     claims(issuer, "client-ec", "products.read").build());
        es.sign(new ECDSASigner(ec));

        for (String token : List.of(token("products.read"), es.serialize())) {
            Api.Response response = api.get("/products", "Authorization", bearer(token));
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(response.json().get("items").isArray()).isTrue();
            assertThat(response.header("Cache-Control")).hasValue("no-store");
        }
    }

    @Test
    void aLowerCaseSchemeIsAccepted() throws Exception {
        Api.Response response = api.get("/products", "Authorization", "bearer " + token("products.read"));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    @Test
    void scopesAsAnScpArrayAreRead() throws Exception {
        String token = rsaToken(rsa, claims(issuer, "client-scp", null)
                .claim("scope", null)
                .claim("scp", List.of("products.write")).build());

        Api.Response response = api.create(Api.json(Map.of("name", "Scp", "description", "d")),
                                           "Authorization", bearer(token));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @Test
    void aWriteWithOnlyTheReadScopeIsRefusedWith403AndChangesNothing() throws Exception {
        String name = "forbidden-" + UUID.randomUUID();
        Api.Response response = api.create(Api.json(Map.of("name", name, "description", "d")),
                                           "Authorization", bearer(token("products.read")));

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.header("WWW-Authenticate"))
                .hasValue(CHALLENGE + ", error=\"insufficient_scope\", scope=\"products.write\"");
        assertThat(response.header("Content-Type")).hasValue("application/problem+json");
        assertThat(response.json().get("detail").asText()).isEqualTo("The token lacks the scope products.write that this call needs.");
        Api.Response list = api.get("/products?name=" + name, "Authorization", bearer(token("products.read")));
        assertThat(list.json().get("items")).isEmpty();
    }

    @Test
    void aReadWithOnlyTheWriteScopeIsRefusedWith403() throws Exception {
        Api.Response response = api.get("/products", "Authorization", bearer(token("products.write")));

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.header("WWW-Authenticate"))
                .hasValue(CHALLENGE + ", error=\"insufficient_scope\", scope=\"products.read\"");
    }

    static Stream<Arguments> hostileTokens() throws Exception {
        Instant now = Instant.now();
        List<Arguments> cases = new ArrayList<>();
        cases.add(Arguments.of("alg none", new PlainJWT(new PlainHeader(), claims(issuer, "x", BOTH).build()).serialize(),
                               "token is not a signed JWT"));
        SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(rsa.getKeyID()).build(),
                                       claims(issuer, "x", BOTH).build());
        hmac.sign(new MACSigner(rsa.toPublicKey().getEncoded()));
        cases.add(Arguments.of("HS256 keyed with the public key", hmac.serialize(), "signature algorithm not accepted"));
        cases.add(Arguments.of("expired", rsaToken(rsa, claims(issuer, "x", BOTH)
                .expirationTime(Date.from(now.minusSeconds(120))).build()), "token expired"));
        cases.add(Arguments.of("not yet valid", rsaToken(rsa, claims(issuer, "x", BOTH)
                .notBeforeTime(Date.from(now.plusSeconds(120))).build()), "token not yet valid"));
        cases.add(Arguments.of("wrong issuer", rsaToken(rsa, claims(issuer, "x", BOTH)
                .issuer("https://evil.example").build()), "wrong issuer"));
        cases.add(Arguments.of("wrong audience", rsaToken(rsa, claims(issuer, "x", BOTH)
                .audience("another-api").build()), "wrong audience"));
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("unknown-" + UUID.randomUUID()).generate();
        cases.add(Arguments.of("unknown kid", rsaToken(stranger, claims(issuer, "x", BOTH).build()), "unknown key id"));
        RSAKey impostor = new RSAKeyGenerator(2048).keyID(rsa.getKeyID()).generate();
        cases.add(Arguments.of("known kid, other key", rsaToken(impostor, claims(issuer, "x", BOTH).build()),
                               "invalid signature"));
        SignedJWT noKid = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).build(), claims(issuer, "x", BOTH).build());
        noKid.sign(new RSASSASigner(rsa));
        cases.add(Arguments.of("no kid", noKid.serialize(), "token names no key id"));
        SignedJWT crit = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID())
                                               .criticalParams(Set.of("x-policy")).customParam("x-policy", "p").build(),
                                       claims(issuer, "x", BOTH).build());
        crit.sign(new RSASSASigner(rsa));
        cases.add(Arguments.of("crit header", crit.serialize(), "critical header parameters are not supported"));
        String[] parts = token(BOTH).split("\\.");
        String arrayHeader = Base64.getUrlEncoder().withoutPadding().encodeToString("[1,2]".getBytes(StandardCharsets.UTF_8));
        cases.add(Arguments.of("header not an object", arrayHeader + "." + parts[1] + "." + parts[2], "token is not a signed JWT"));
        cases.add(Arguments.of("bad base64", "e*J.h!b.G~~", "token is not a signed JWT"));
        cases.add(Arguments.of("8 KB of junk", "a".repeat(4095) + "." + "b".repeat(4094) + ".c", "token is not a signed JWT"));
        cases.add(Arguments.of("a signed 9 KB token", rsaToken(rsa, claims(issuer, "x", BOTH).claim("pad", "p".repeat(7000)).build()),
                               "token too long"));
        cases.add(Arguments.of("no subject", rsaToken(rsa, claims(issuer, null, BOTH).build()), "token names no subject"));
        // Variants of one valid token: nimbus's lenient base64url decoding would verify each of them.
        String valid = token(BOTH);
        for (String suffix : List.of("!", "~", "%", "=", "==", "+", "/")) {
            cases.add(Arguments.of("a valid token + '" + suffix + "'", valid + suffix, "token is not a signed JWT"));
        }
        int middle = valid.lastIndexOf('.') + 20;
        cases.add(Arguments.of("a valid token with a tab inside its signature",
                               valid.substring(0, middle) + "\t" + valid.substring(middle), "token is not a signed JWT"));
        cases.add(Arguments.of("a valid token with a space inside its signature",
                               valid.substring(0, middle) + " " + valid.substring(middle), "token is not a signed JWT"));
        cases.add(Arguments.of("a valid token whose last character has unused bits set", nonCanonical(valid),
                               "token is not a signed JWT"));
        cases.add(Arguments.of("four parts", valid + ".e30", "token is not a signed JWT"));
        cases.add(Arguments.of("an empty signature", valid.substring(0, valid.lastIndexOf('.') + 1), "token is not a signed JWT"));
        cases.add(Arguments.of("an empty header", valid.substring(valid.indexOf('.')), "token is not a signed JWT"));
        SignedJWT ps256 = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.PS256).keyID(rsa.getKeyID()).build(),
                                        claims(issuer, "x", BOTH).build());
        ps256.sign(new RSASSASigner(rsa));
        cases.add(Arguments.of("PS256 with an RSA key published without alg (RS256 only)", ps256.serialize(),
                               "signature algorithm not accepted"));
        ECKey p384 = new ECKeyGenerator(Curve.P_384).keyID(ec.getKeyID()).generate();
        SignedJWT es384 = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES384).keyID(ec.getKeyID()).build(),
                                        claims(issuer, "x", BOTH).build());
        es384.sign(new ECDSASigner(p384));
        cases.add(Arguments.of("ES384 naming a P-256 key", es384.serialize(), "signature algorithm not accepted"));
        cases.add(Arguments.of("no expiry", rsaToken(rsa, claims(issuer, "x", BOTH).expirationTime(null).build()),
                               "token has no expiry"));
        return cases.stream();
    }

    /** The same token with the last character's unused low bits set: lenient decoders read the same bytes. */
    static String nonCanonical(String token) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int last = alphabet.indexOf(token.charAt(token.length() - 1));
        assertThat(token.substring(token.lastIndexOf('.') + 1).length() % 4).as("a signature with unused bits").isIn(2, 3);
        return token.substring(0, token.length() - 1) + alphabet.charAt(last | 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileTokens")
    void hostileTokensGet401WithTheInvalidTokenChallenge(String title, String token, String description) {
        for (String method : List.of("GET", "DELETE")) {
            Api.Response response = api.send(method, "/products" + (method.equals("GET") ? "" : "/" + UUID.randomUUID()),
                                             null, "Authorization", bearer(token));

            assertThat(response.status()).as(title + ": " + response.body()).isEqualTo(401);
            assertThat(response.header("WWW-Authenticate"))
                    .hasValue(CHALLENGE + ", error=\"invalid_token\", error_description=\"" + description + "\"");
            assertThat(response.header("Content-Type")).hasValue("application/problem+json");
            JsonNode body = response.json();
            assertThat(body.get("status").asInt()).isEqualTo(401);
            assertThat(body.get("detail").asText()).isEqualTo("The bearer token was refused: " + description + ".");
            assertThat(response.body()).doesNotContain(token.length() > 20 ? token.substring(token.length() - 20) : token);
        }
    }

    @Test
    void twoAuthorizationHeadersAreRefused() throws Exception {
        String good = token(BOTH);
        Api.Response response = api.get("/products", "Authorization", bearer(good), "Authorization", bearer(good));

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate"))
                .hasValue(CHALLENGE + ", error=\"invalid_token\", error_description=\"more than one Authorization header\"");
    }

    @Test
    void anotherSchemeCountsAsNoToken() {
        Api.Response response = api.get("/products", "Authorization", "Basic dXNlcjpwYXNz");

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate")).hasValue(CHALLENGE);
    }

    @Test
    void healthMetricsAndDocsStayOpen() {
        assertThat(admin.get("/observe/health/ready").status()).isEqualTo(200);
        assertThat(admin.get("/observe/metrics").status()).isEqualTo(200);
        assertThat(api.get("/openapi").status()).isEqualTo(200);
        assertThat(api.get("/docs").status()).isIn(200, 301, 302, 303, 307, 308);
    }

    @Test
    void refusalsAreCountedByReason() throws Exception {
        api.get("/products");
        api.get("/products", "Authorization", bearer(token("products.write")));

        String metrics = admin.get("/observe/metrics", "Accept", "text/plain").body();
        for (Refusal reason : Refusal.values()) {
            assertThat(metrics).contains("auth_refused_total{reason=\"" + reason.label() + "\"");
        }
        assertThat(count(metrics, "missing")).isGreaterThanOrEqualTo(1);
        assertThat(count(metrics, "scope")).isGreaterThanOrEqualTo(1);
    }

    private static double count(String metrics, String reason) {
        return metrics.lines()
                .filter(line -> line.startsWith("auth_refused_total{reason=\"" + reason + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void theSameIdempotencyKeyFromTwoPrincipalsCreatesTwoProducts() throws Exception {
        String key = "shared-" + UUID.randomUUID();
        String body = Api.json(Map.of("name", "Idem", "description", "same body"));
        String alice = rsaToken(rsa, claims(issuer, "alice", BOTH).build());
        String bob = rsaToken(rsa, claims(issuer, "bob", BOTH).build());

        Api.Response first = api.create(body, "Authorization", bearer(alice), "Idempotency-Key", key);
        Api.Response second = api.create(body, "Authorization", bearer(bob), "Idempotency-Key", key);
        Api.Response aliceAgain = api.create(body, "Authorization", bearer(alice), "Idempotency-Key", key);
        Api.Response bobAgain = api.create(body, "Authorization", bearer(bob), "Idempotency-Key", key);

        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(201);
        assertThat(second.header("Idempotent-Replayed")).isEmpty();
        String aliceId = first.json().get("id").asText();
        String bobId = second.json().get("id").asText();
        assertThat(bobId).isNotEqualTo(aliceId);
        assertThat(aliceAgain.status()).isEqualTo(201);
        assertThat(aliceAgain.header("Idempotent-Replayed")).hasValue("true");
        assertThat(aliceAgain.json().get("id").asText()).isEqualTo(aliceId);
        assertThat(bobAgain.json().get("id").asText()).isEqualTo(bobId);
    }

    @Test
    void theAccessLogNamesThePrincipalButNeverTheToken() throws Exception {
        String token = rsaToken(rsa, claims(issuer, "logged-client", "products.read").build());
        List<String> lines;
        try (LogCapture access = LogCapture.access(LogFormat.JSON)) {
            lines = access.lines();
            api.get("/products", "Authorization", bearer(token), "X-Request-Id", "principal-log-1");
            for (int i = 0; i < 100 && lines.stream().noneMatch(l -> l.contains("principal-log-1")); i++) {
                Thread.sleep(20);
            }
        }

        String line = lines.stream().filter(l -> l.contains("principal-log-1")).findFirst().orElseThrow();
        JsonNode entry = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        assertThat(entry.get("principal").asText()).isEqualTo("logged-client");
        assertThat(entry.get("status").asInt()).isEqualTo(200);
        assertThat(line).doesNotContain(token.split("\\.")[2]);
    }

    @Test
    void sixtyFourConcurrentCallsFetchNoKeys() throws Exception {
        String token = token("products.read");
        api.get("/products", "Authorization", bearer(token));
        int before = issuer.fetches();
        try (ExecutorService pool = Executors.newFixedThreadPool(64)) {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                calls.add(pool.submit(() -> api.get("/products?limit=1", "Authorization", bearer(token)).status()));
            }
            for (Future<Integer> call : calls) {
                assertThat(call.get()).isEqualTo(200);
            }
        }
        assertThat(issuer.fetches()).isEqualTo(before);
    }

    @Test
    void aFloodOfUnknownKeyIdsFetchesTheKeysAtMostOncePerInterval() throws Exception {
        int before = issuer.fetches();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("flood-" + UUID.randomUUID())
                                                      .build(), claims(issuer, "x", BOTH).build());
                jwt.sign(new RSASSASigner(rsa));
                String token = jwt.serialize();
                calls.add(pool.submit(() -> api.get("/products", "Authorization", bearer(token)).status()));
            }
            for (Future<Integer> call : calls) {
                assertThat(call.get()).isEqualTo(401);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        // auth.keys.refresh is PT1S here, auth.keys.burst 3: the burst, then one per started second, at most.
        assertThat(issuer.fetches() - before).isLessThanOrEqualTo(3 + (int) Math.ceil(seconds) + 1);
    }

    @Test
    void rotatedKeysAreTrustedWithoutARestart() throws Exception {
        RSAKey next = new RSAKeyGenerator(2048).keyID("rotated-" + UUID.randomUUID()).generate();
        issuer.publish(next, rsa, ec);
        Thread.sleep(1100); // past auth.keys.refresh since any earlier fetch
        try {
            Api.Response response = acceptedOnceFetched(api, rsaToken(next, claims(issuer, "rotated", "products.read").build()));

            assertThat(response.status()).as(response.body()).isEqualTo(200);
        } finally {
            issuer.publish(rsa, ec);
        }
    }

    @Test
    void aKeyRemovedByTheIssuerStopsWorkingEvenForTokensAlreadyAccepted() throws Exception {
        RSAKey doomed = new RSAKeyGenerator(2048).keyID("doomed-" + UUID.randomUUID()).generate();
        issuer.publish(doomed, rsa, ec);
        Thread.sleep(1100);
        String token = rsaToken(doomed, claims(issuer, "doomed", "products.read").build());
        try {
            assertThat(acceptedOnceFetched(api, token).status()).isEqualTo(200);
            assertThat(api.get("/products", "Authorization", bearer(token)).status()).isEqualTo(200);

            issuer.publish(rsa, ec);
            Thread.sleep(1100);
            // Any unknown kid makes the service fetch the keys again; once fetched, the removed key is gone.
            api.get("/products", "Authorization", bearer(rsaToken(new RSAKeyGenerator(2048).keyID("probe").generate(),
                                                                  claims(issuer, "x", BOTH).build())));
            Api.Response refused = api.get("/products", "Authorization", bearer(token));
            for (int i = 0; i < 100 && refused.status() == 200; i++) {
                Thread.sleep(100);
                refused = api.get("/products", "Authorization", bearer(token));
            }

            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.header("WWW-Authenticate")).hasValue(
                    CHALLENGE + ", error=\"invalid_token\", error_description=\"unknown key id\"");
        } finally {
            issuer.publish(rsa, ec);
        }
    }

    @Test
    void anIssuerOutageWithKeysCachedKeepsCallsWorking() throws Exception {
        api.get("/products", "Authorization", bearer(token("products.read")));
        issuer.down(true);
        try {
            Thread.sleep(1100);
            // An unknown kid makes the service try the (failing) issuer: still a 401, not a 503.
            RSAKey stranger = new RSAKeyGenerator(2048).keyID("during-outage").generate();
            Api.Response unknown = api.get("/products", "Authorization",
                                           bearer(rsaToken(stranger, claims(issuer, "x", BOTH).build())));
            Api.Response known = api.get("/products", "Authorization", bearer(token("products.read")));

            assertThat(unknown.status()).isEqualTo(401);
            assertThat(known.status()).as(known.body()).isEqualTo(200);
            assertThat(admin.get("/observe/health/ready").status()).isEqualTo(200);
        } finally {
            issuer.down(false);
        }
    }

    @Test
    void cognitoStyleTokensUseClientIdAsAudienceAndPrincipalWithPrefixedScopes() throws Exception {
        RunningService cognito = startService(issuer, Map.of("auth.jwks", issuer.jwksUri(),
                                                        "auth.claims.audience", "client_id",
                                                        "auth.audience", "app-client-1",
                                                        "auth.scopes.read", "product-api/products.read",
                                                        "auth.scopes.write", "product-api/products.write"));
        try {
            Api client = cognito.api();
            Instant now = Instant.now();
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                    .issuer(issuer.issuer())
                    .claim("client_id", "app-client-1")
                    .claim("token_use", "access")
                    .claim("scope", "product-api/products.read")
                    .expirationTime(Date.from(now.plusSeconds(300)));

            Api.Response read = client.get("/products", "Authorization", bearer(rsaToken(rsa, claims.build())));
            Api.Response write = client.create(Api.json(Map.of("name", "c", "description", "d")),
                                               "Authorization", bearer(rsaToken(rsa, claims.build())));
            Api.Response otherClient = client.get("/products", "Authorization",
                                                  bearer(rsaToken(rsa, claims.claim("client_id", "app-client-2").build())));

            assertThat(read.status()).as(read.body()).isEqualTo(200);
            assertThat(write.status()).isEqualTo(403);
            assertThat(write.header("WWW-Authenticate"))
                    .hasValue(CHALLENGE + ", error=\"insufficient_scope\", scope=\"product-api/products.write\"");
            assertThat(otherClient.status()).isEqualTo(401);
            assertThat(otherClient.header("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("wrong audience"));
        } finally {
            cognito.close();
        }
    }

    @Test
    void withNoKeysEverFetchedCallsGet503AndReadinessIsDown() throws Exception {
        try (JwksServer broken = new JwksServer()) {
            broken.publish(rsa);
            broken.down(true);
            // Discovery from the issuer this time (no auth.jwks).
            RunningService service = startService(broken, Map.of());
            try {
                Api client = service.api();
                Api clientAdmin = service.admin();
                String token = rsaToken(rsa, claims(broken, "x", BOTH).build());

                Api.Response refused = client.get("/products", "Authorization", bearer(token));
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.header("Retry-After")).hasValueSatisfying(
                        value -> assertThat(Integer.parseInt(value)).isBetween(1, 2));
                assertThat(refused.header("Content-Type")).hasValue("application/problem+json");
                assertThat(refused.json().get("detail").asText()).contains("signing keys cannot be fetched");
                Api.Response ready = clientAdmin.get("/observe/health/ready");
                assertThat(ready.status()).isEqualTo(503);
                assertThat(ready.body()).contains("signing-keys").contains("unavailable");

                broken.down(false);
                Thread.sleep(1100);
                // The first call starts the fetch (and is answered 503 at once); the ones after it get in.
                Api.Response recovered = client.get("/products", "Authorization", bearer(token));
                for (int i = 0; i < 50 && recovered.status() == 503; i++) {
                    Thread.sleep(100);
                    recovered = client.get("/products", "Authorization", bearer(token));
                }
                assertThat(recovered.status()).as(recovered.body()).isEqualTo(200);
                assertThat(clientAdmin.get("/observe/health/ready").status()).isEqualTo(200);
            } finally {
                service.close();
            }
        }
    }

    @Test
    void aTokenWhoseClaimsFailIsRefusedBeforeItsUnknownKeyIsLookedFor() throws Exception {
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("expired-stranger-" + UUID.randomUUID()).generate();
        String expired = rsaToken(stranger, claims(issuer, "x", BOTH).expirationTime(Date.from(Instant.now().minusSeconds(600))).build());
        String otherAudience = rsaToken(stranger, claims(issuer, "x", BOTH).audience("another-api").build());
        int before = issuer.fetches();

        Api.Response first = api.get("/products", "Authorization", bearer(expired));
        Api.Response second = api.get("/products", "Authorization", bearer(otherAudience));

        assertThat(first.header("WWW-Authenticate")).hasValue(
                CHALLENGE + ", error=\"invalid_token\", error_description=\"token expired\"");
        assertThat(second.header("WWW-Authenticate")).hasValue(
                CHALLENGE + ", error=\"invalid_token\", error_description=\"wrong audience\"");
        assertThat(issuer.fetches()).isEqualTo(before);
    }

    @Test
    void aRotatedKeyIsTrustedAFetchLaterEvenRightAfterAnotherFetch() throws Exception {
        try (JwksServer rotating = new JwksServer()) {
            rotating.publish(rsa);
            // The production refresh interval: only the burst lets the rotation through at once.
            RunningService service = startService(rotating, Map.of("auth.jwks", rotating.jwksUri(), "auth.keys.refresh", "PT30S"));
            try {
                Api client = service.api();
                assertThat(client.get("/products", "Authorization", bearer(rsaToken(rsa, claims(rotating, "a", BOTH).build())))
                                   .status()).isEqualTo(200);
                // A stray token from elsewhere makes the service fetch the keys: the fetch that used to block rotations.
                RSAKey stranger = new RSAKeyGenerator(2048).keyID("stranger-" + UUID.randomUUID()).generate();
                assertThat(client.get("/products", "Authorization",
                                      bearer(rsaToken(stranger, claims(rotating, "x", BOTH).build()))).status()).isEqualTo(401);

                RSAKey next = new RSAKeyGenerator(2048).keyID("next-" + UUID.randomUUID()).generate();
                rotating.publish(next, rsa);
                Api.Response rsaRotated = acceptedOnceFetched(client, rsaToken(next, claims(rotating, "rotated", BOTH).build()));
                ECKey ecNext = new ECKeyGenerator(Curve.P_256).keyID("ec-next-" + UUID.randomUUID()).generate();
                rotating.publish(ecNext, next, rsa);
                SignedJWT es = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ecNext.getKeyID()).build(),
                                             claims(rotating, "rotated-ec", BOTH).build());
                es.sign(new ECDSASigner(ecNext));
                Api.Response ecRotated = acceptedOnceFetched(client, es.serialize());

                assertThat(rsaRotated.status()).as(rsaRotated.body()).isEqualTo(200);
                assertThat(ecRotated.status()).as(ecRotated.body()).isEqualTo(200);
            } finally {
                service.close();
            }
        }
    }

    @Test
    void anExplicitAlgorithmListRefusesTheOthers() throws Exception {
        RunningService service = startService(issuer, Map.of("auth.jwks", issuer.jwksUri(), "auth.algorithms", "ES256"));
        try {
            Api client = service.api();
            SignedJWT es = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(),
                                         claims(issuer, "client-ec", "products.read").build());
            es.sign(new ECDSASigner(ec));

            Api.Response rsaRefused = client.get("/products", "Authorization", bearer(token("products.read")));
            Api.Response ecAccepted = client.get("/products", "Authorization", bearer(es.serialize()));

            assertThat(rsaRefused.status()).isEqualTo(401);
            assertThat(rsaRefused.header("WWW-Authenticate")).hasValue(
                    CHALLENGE + ", error=\"invalid_token\", error_description=\"signature algorithm not accepted\"");
            assertThat(ecAccepted.status()).as(ecAccepted.body()).isEqualTo(200);
        } finally {
            service.close();
        }
    }

    @Test
    void keycloakStyleTokensWithoutAnAudienceMapperLetTwoNamedClientsIn() throws Exception {
        // A realm without an audience mapper: aud is "account", azp names the client.
        RunningService keycloak = startService(issuer, Map.of("auth.jwks", issuer.jwksUri(),
                                                         "auth.claims.audience", "azp",
                                                         "auth.audience", "product-reader, product-writer",
                                                         "auth.claims.principal", "azp"));
        try {
            Api client = keycloak.api();
            String reader = rsaToken(rsa, claims(issuer, UUID.randomUUID().toString(), "products.read")
                    .audience("account").claim("azp", "product-reader").build());
            String writer = rsaToken(rsa, claims(issuer, UUID.randomUUID().toString(), BOTH)
                    .audience("account").claim("azp", "product-writer").build());
            // Another token of the same client (another service-account sub): the same principal.
            String writerAgain = rsaToken(rsa, claims(issuer, UUID.randomUUID().toString(), BOTH)
                    .audience("account").claim("azp", "product-writer").build());
            String stranger = rsaToken(rsa, claims(issuer, "s", BOTH).audience("account").claim("azp", "someone-else").build());
            String key = "azp-" + UUID.randomUUID();
            String body = Api.json(Map.of("name", "Azp", "description", "d"));

            Api.Response read = client.get("/products", "Authorization", bearer(reader));
            Api.Response readerWrites = client.create(body, "Authorization", bearer(reader));
            Api.Response created = client.create(body, "Authorization", bearer(writer), "Idempotency-Key", key);
            Api.Response replayed = client.create(body, "Authorization", bearer(writerAgain), "Idempotency-Key", key);
            Api.Response refused = client.get("/products", "Authorization", bearer(stranger));

            assertThat(read.status()).as(read.body()).isEqualTo(200);
            assertThat(readerWrites.status()).isEqualTo(403);
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(replayed.status()).isEqualTo(201);
            assertThat(replayed.header("Idempotent-Replayed")).hasValue("true");
            assertThat(replayed.json().get("id").asText()).isEqualTo(created.json().get("id").asText());
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.header("WWW-Authenticate")).hasValue(
                    CHALLENGE + ", error=\"invalid_token\", error_description=\"wrong audience\"");
        } finally {
            keycloak.close();
        }
    }

    @Test
    void anIssuerWhoseDiscoveryNamesAnotherStopsTheStartSayingSo() {
        // The usual slip: a trailing / that the issuer's own discovery document does not have.
        assertThatThrownBy(() -> startService(issuer, Map.of("auth.issuer", issuer.issuer() + "/")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names the issuer " + issuer.issuer() + ", not " + issuer.issuer() + "/")
                .hasMessageContaining("AUTH_ISSUER")
                .hasMessageContaining("without the trailing /");
    }

    @Test
    void noCallWaitsForAKeyFetchEvenFromAStalledIssuer() throws Exception {
        try (JwksServer slow = new JwksServer()) {
            slow.publish(rsa);
            // auth.keys.wait is still accepted, and no longer makes a call wait.
            RunningService service = startService(slow, Map.of("auth.jwks", slow.jwksUri(), "auth.keys.timeout", "PT4S",
                                                          "auth.keys.wait", "PT10S"));
            try {
                Api client = service.api();
                assertThat(client.get("/products", "Authorization", bearer(rsaToken(rsa, claims(slow, "x", BOTH).build())))
                                   .status()).isEqualTo(200);
                slow.stall(true);
                RSAKey next = new RSAKeyGenerator(2048).keyID("next-" + UUID.randomUUID()).generate();
                slow.publish(next, rsa);
                String token = rsaToken(next, claims(slow, "x", BOTH).build());

                long start = System.nanoTime();
                Api.Response unknown = client.get("/products", "Authorization", bearer(token));
                Api.Response again = client.get("/products", "Authorization", bearer(token));
                double seconds = (System.nanoTime() - start) / 1e9;

                assertThat(unknown.status()).isEqualTo(401);
                assertThat(again.status()).isEqualTo(401);
                // The issuer holds its body back for a minute and the fetch may take 4 s: neither call waited for it.
                assertThat(seconds).isLessThan(3);

                // The stalled fetch gets its body now and brings the new key.
                slow.stall(false);
                assertThat(acceptedOnceFetched(client, token).status()).isEqualTo(200);
            } finally {
                service.close();
            }
        }
    }

    @Test
    void aStalledIssuerAtStartAnswers503UntilItsKeysArrive() throws Exception {
        try (JwksServer slow = new JwksServer()) {
            slow.publish(rsa);
            slow.stall(true);
            RunningService service = startService(slow, Map.of("auth.jwks", slow.jwksUri(), "auth.keys.timeout", "PT1S"));
            try {
                Api client = service.api();
                String token = rsaToken(rsa, claims(slow, "x", BOTH).build());
                Api.Response unavailable = client.get("/products", "Authorization", bearer(token));

                assertThat(unavailable.status()).as(unavailable.body()).isEqualTo(503);
                assertThat(unavailable.header("Retry-After")).isPresent();

                slow.stall(false);
                Api.Response recovered = null;
                for (int i = 0; i < 100 && (recovered == null || recovered.status() != 200); i++) {
                    Thread.sleep(100);
                    recovered = client.get("/products", "Authorization", bearer(token));
                }
                assertThat(recovered.status()).as(recovered.body()).isEqualTo(200);
            } finally {
                service.close();
            }
        }
    }

    @Test
    void aRefusedConnectionToTheIssuerIsLoggedWithItsCause() throws Exception {
        LogCapture keySource = LogCapture.messages(KeySource.class.getName());
        List<String> warnings = keySource.lines();
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        RunningService service = startService(issuer, Map.of("auth.jwks", "http://127.0.0.1:" + closedPort + "/jwks"));
        try {
            for (int i = 0; i < 100 && warnings.isEmpty(); i++) {
                Thread.sleep(50);
            }
        } finally {
            service.close();
            keySource.close();
        }

        assertThat(warnings).anySatisfy(message -> assertThat(message)
                .startsWith("Could not fetch the token issuer's signing keys (none cached: calls get 503): ")
                .contains("java.net.ConnectException")
                .doesNotEndWith("null"));
    }
}
