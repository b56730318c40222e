package org.productservice.idp;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service behind a real Keycloak, configured as docs/IDENTITY-PROVIDERS.md says: a realm with
 * the client scopes {@code products.read} and {@code products.write} (in the token's scope, each
 * with an audience mapper adding {@code product-api}), a reader and a writer client (client
 * credentials), tokens found by OIDC discovery. One Keycloak start for the whole class, one more
 * after the outage; the steps run in order, each on what the one before left. Timings are
 * printed (the Keycloak start, how long a removed key stayed usable), never asserted tightly.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeycloakTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String REALM = "products-" + RUN;
    private static final String FOREIGN = "elsewhere-" + RUN;
    private static final String AUDIENCE = "product-api";
    private static final String SECRET = "secret-" + RUN;
    private static final Duration KEYS_TTL = Duration.ofSeconds(5);
    /** Longer than the default 2 s: a Keycloak on a busy machine may take more to answer. */
    private static final Duration KEYS_TIMEOUT = Duration.ofSeconds(4);
    private static final String CHALLENGE = "Bearer realm=\"product-service\"";

    private static Keycloak keycloak;
    private static ServiceProcess service;
    /** A writer token signed with the realm's first key, used (and so cached) before the rotations. */
    private static String firstKeyToken;
    /** A token issued before the outage. */
    private static String beforeOutage;

    @BeforeAll
    static void start() {
        keycloak = new Keycloak(Path.of(System.getProperty("keycloak.home")), ServiceProcess.freePort(), ServiceProcess.freePort());
        Runtime.getRuntime().addShutdownHook(new Thread(keycloak::stop));
        Duration started = keycloak.start();
        System.out.println("Keycloak started in " + started.toMillis() + " ms");
        for (String realm : List.of(REALM, FOREIGN)) {
            keycloak.createRealm(Map.of("realm", realm, "enabled", true));
            keycloak.createScope(realm, "products.read", AUDIENCE);
            keycloak.createScope(realm, "products.write", AUDIENCE);
            keycloak.createClient(realm, "product-reader", SECRET, List.of("basic", "products.read"), Map.of());
            keycloak.createClient(realm, "product-writer", SECRET, List.of("basic", "products.read", "products.write"), Map.of());
        }
        // Tokens of this client live 3 s: the expiry step waits for that, not for the realm's 5 minutes.
        keycloak.createClient(REALM, "product-short", SECRET, List.of("basic", "products.read"),
                              Map.of("access.token.lifespan", "3"));

        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("auth.mode", "jwt");
        settings.put("auth.issuer", keycloak.issuer(REALM));
        settings.put("auth.audience", AUDIENCE);
        settings.put("auth.claims.principal", "azp");
        settings.put("auth.keys.ttl", "PT" + KEYS_TTL.toSeconds() + "S");
        settings.put("auth.keys.timeout", "PT" + KEYS_TIMEOUT.toSeconds() + "S");
        settings.put("auth.skew", "PT1S");
        service = new ServiceProcess(settings);
        service.start();
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (keycloak != null) {
            try {
                keycloak.deleteRealm(REALM);
                keycloak.deleteRealm(FOREIGN);
            } catch (RuntimeException down) {
                // a failed step may have left it stopped
            }
            keycloak.close();
        }
    }

    private static String token(String client) {
        return keycloak.clientToken(REALM, client, SECRET);
    }

    private static HttpResponse<String> list(String token) {
        return service.call("GET", "/products?limit=1", token, null);
    }

    private static HttpResponse<String> create(String token) {
        return service.call("POST", "/products", token, "{\"name\": \"kc-" + UUID.randomUUID() + "\", \"description\": \"d\"}");
    }

    @Test
    @Order(1)
    void theReaderReadsTheWriterWritesAndTheReaderCannotWrite() {
        String reader = token("product-reader");
        String writer = token("product-writer");
        firstKeyToken = writer;
        assertThat(Keycloak.claims(writer).path("aud").toString()).contains(AUDIENCE);
        assertThat(Keycloak.claims(writer).path("scope").asText()).contains("products.read", "products.write");

        HttpResponse<String> read = list(reader);
        HttpResponse<String> readerWrites = create(reader);
        HttpResponse<String> written = create(writer);

        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(readerWrites.statusCode()).isEqualTo(403);
        assertThat(readerWrites.headers().firstValue("WWW-Authenticate"))
                .hasValue(CHALLENGE + ", error=\"insufficient_scope\", scope=\"products.write\"");
        assertThat(written.statusCode()).as(written.body()).isEqualTo(201);
        assertThat(list(writer).statusCode()).isEqualTo(200);
        // auth.claims.principal=azp: the access log (text, the local profile) names the client, not its service account's UUID.
        for (int i = 0; i < 50 && !service.output().contains("principal product-writer)"); i++) {
            ServiceProcess.sleep(100);
        }
        assertThat(service.output()).contains("principal product-writer)");
    }

    @Test
    @Order(2)
    void aTokenOfAnotherRealmIsRefused() {
        String foreign = keycloak.clientToken(FOREIGN, "product-writer", SECRET);

        HttpResponse<String> refused = list(foreign);

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate"))
                .hasValue(CHALLENGE + ", error=\"invalid_token\", error_description=\"wrong issuer\"");
    }

    @Test
    @Order(3)
    void anExpiredTokenIsRefused() {
        String shortLived = token("product-short");
        Instant expires = Instant.ofEpochSecond(Keycloak.claims(shortLived).path("exp").asLong());
        assertThat(list(shortLived).statusCode()).isEqualTo(200);

        // exp, then auth.skew (1 s), then a margin
        ServiceProcess.sleep(Math.max(0, Duration.between(Instant.now(), expires).toMillis()) + 2_500);
        HttpResponse<String> refused = list(shortLived);

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate"))
                .hasValue(CHALLENGE + ", error=\"invalid_token\", error_description=\"token expired\"");
    }

    @Test
    @Order(4)
    void rotationToANewRsaKeyAndThenToAnEs256KeyPublishedFirstCausesNo401() {
        String before = Keycloak.header(token("product-writer")).path("kid").asText();
        // Published first, as docs/IDENTITY-PROVIDERS.md says: a lower priority than the signing
        // key (100) for RSA; the EC key signs nothing while the realm's algorithm is RS256.
        String rsaProvider = keycloak.addKeyProvider(REALM, "rsa-rotated", "rsa-generated",
                                                     Map.of("priority", "50", "active", "true", "enabled", "true",
                                                            "keySize", "2048", "algorithm", "RS256"));
        keycloak.addKeyProvider(REALM, "ec-rotated", "ecdsa-generated",
                                Map.of("priority", "300", "active", "true", "enabled", "true", "ecdsaEllipticCurveKey", "P-256"));
        assertThat(Keycloak.header(token("product-writer")).path("kid").asText()).isEqualTo(before);
        awaitBackgroundRefresh();

        keycloak.updateKeyProvider(REALM, rsaProvider, Map.of("priority", "200"));
        String rsaToken = token("product-writer");
        // The first call with the new key, at once: the service has it already.
        HttpResponse<String> rsaFirst = create(rsaToken);
        keycloak.updateRealm(REALM, Map.of("defaultSignatureAlgorithm", "ES256"));
        String ecToken = token("product-writer");
        HttpResponse<String> ecFirst = create(ecToken);

        assertThat(Keycloak.header(rsaToken).path("kid").asText()).isNotEqualTo(before);
        assertThat(rsaFirst.statusCode()).as(rsaFirst.body()).isEqualTo(201);
        assertThat(Keycloak.header(ecToken).path("alg").asText()).isEqualTo("ES256");
        assertThat(ecFirst.statusCode()).as(ecFirst.body()).isEqualTo(201);
        // The tokens of the older keys stay good while their keys are published.
        assertThat(list(firstKeyToken).statusCode()).isEqualTo(200);
        assertThat(list(rsaToken).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(5)
    void aKeyThatSignsAtOnceIsTrustedOneFetchLaterWithoutWaiting() {
        // Signing with a key before publishing it for auth.keys.ttl: no call waits for the key
        // fetch, so the calls before it ends are refused; the first one starts it.
        keycloak.addKeyProvider(REALM, "ec-abrupt", "ecdsa-generated",
                                Map.of("priority", "400", "active", "true", "enabled", "true", "ecdsaEllipticCurveKey", "P-256"));
        String abrupt = token("product-writer");

        long start = System.nanoTime();
        HttpResponse<String> first = list(abrupt);
        long firstNanos = System.nanoTime() - start;
        HttpResponse<String> answer = first;
        while (answer.statusCode() != 200 && System.nanoTime() - start < Duration.ofSeconds(10).toNanos()) {
            ServiceProcess.sleep(50);
            answer = list(abrupt);
        }
        System.out.printf("A key that signed at once: first call %d after %d ms, accepted %d ms after it%n",
                          first.statusCode(), firstNanos / 1_000_000, (System.nanoTime() - start) / 1_000_000);

        assertThat(first.statusCode()).isIn(200, 401);
        if (first.statusCode() == 401) {
            assertThat(first.headers().firstValue("WWW-Authenticate"))
                    .hasValue(CHALLENGE + ", error=\"invalid_token\", error_description=\"unknown key id\"");
        }
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }

    /**
     * Waits for the service's background refresh of its keys: a call past auth.keys.ttl starts it,
     * and it ends within auth.keys.timeout.
     */
    private static void awaitBackgroundRefresh() {
        ServiceProcess.sleep(KEYS_TTL.toMillis() + 500);
        assertThat(list(firstKeyToken).statusCode()).isEqualTo(200);
        ServiceProcess.sleep(KEYS_TIMEOUT.toMillis() + 500);
    }

    @Test
    @Order(6)
    void aRemovedKeyIsRefusedWithinTheKeysTtl() {
        String firstKid = Keycloak.header(firstKeyToken).path("kid").asText();
        String rotated = Keycloak.header(token("product-reader")).path("kid").asText();
        assertThat(list(firstKeyToken).statusCode()).isEqualTo(200);

        for (String id : keycloak.keyProviders(REALM, "rsa-generated")) {
            if (!keycloak.componentName(REALM, id).equals("rsa-rotated")) {
                keycloak.removeComponent(REALM, id);
            }
        }
        long removed = System.nanoTime();
        HttpResponse<String> answer = list(firstKeyToken);
        // The token is in the service's cache: only the next fetch of the keys (background, after
        // auth.keys.ttl) shows the key gone. Polled, with a generous bound.
        while (answer.statusCode() == 200 && System.nanoTime() - removed < KEYS_TTL.multipliedBy(6).toNanos()) {
            ServiceProcess.sleep(250);
            answer = list(firstKeyToken);
        }
        System.out.printf("A removed key (%s) was refused %d ms after its removal (auth.keys.ttl %s)%n", firstKid,
                          (System.nanoTime() - removed) / 1_000_000, KEYS_TTL);

        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(answer.headers().firstValue("WWW-Authenticate"))
                .hasValue(CHALLENGE + ", error=\"invalid_token\", error_description=\"unknown key id\"");
        assertThat(rotated).isNotEqualTo(firstKid);
        assertThat(list(token("product-reader")).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(7)
    void duringAKeycloakOutageCachedKeysKeepCallsWorking() {
        String used = token("product-writer");
        String unused = token("product-reader");
        beforeOutage = unused;
        assertThat(list(used).statusCode()).isEqualTo(200);

        keycloak.stop();
        // Past auth.keys.ttl: the background refresh fails, the cached keys stay in use.
        ServiceProcess.sleep(KEYS_TTL.toMillis() + 1_500);
        HttpResponse<String> cached = list(used);
        HttpResponse<String> neverSeen = list(unused);

        assertThat(cached.statusCode()).as(cached.body()).isEqualTo(200);
        assertThat(neverSeen.statusCode()).as(neverSeen.body()).isEqualTo(200);
        assertThat(service.readiness()).isEqualTo(200);
    }

    @Test
    @Order(8)
    void aServiceRestartedDuringTheOutageAnswers503UntilKeycloakIsBack() {
        // Keycloak is still down (the step before).
        String token = beforeOutage;
        service.stop();
        service.start();

        HttpResponse<String> unavailable = list(token);

        assertThat(unavailable.statusCode()).isEqualTo(503);
        assertThat(unavailable.headers().firstValue("Retry-After")).isPresent();
        assertThat(service.readiness()).isEqualTo(503);

        Duration restarted = keycloak.start();
        System.out.println("Keycloak restarted in " + restarted.toMillis() + " ms");
        long back = System.nanoTime();
        HttpResponse<String> recovered = list(token("product-reader"));
        while (recovered.statusCode() != 200 && System.nanoTime() - back < Duration.ofSeconds(60).toNanos()) {
            ServiceProcess.sleep(1_000);
            recovered = list(token("product-reader"));
        }
        System.out.printf("The service answered 200 again %d ms after Keycloak was back%n", (System.nanoTime() - back) / 1_000_000);

        assertThat(recovered.statusCode()).as(recovered.body()).isEqualTo(200);
        assertThat(service.readiness()).isEqualTo(200);
    }
}
