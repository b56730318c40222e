package org.productservice.idp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real Keycloak, as the distribution runs it: {@code bin/kc.sh start-dev} from the unpacked
 * server zip (target/keycloak), on a port of its own and the JDK running the tests, with an
 * admin user from the bootstrap variables. Its realms and keys live in the distribution's dev
 * database (data/h2), so they survive {@link #stop()} and {@link #start()}, as across a real
 * outage. The first start of a fresh distribution also builds it (Quarkus augmentation): about
 * a minute and a half here; later ones take seconds.
 */
final class Keycloak implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "admin";
    // Fixed: the bootstrap admin is created once, with the first database, and kept in data/h2 (local only, 127.0.0.1).
    private static final String ADMIN_PASSWORD = "admin";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    private final Path home;
    private final int port;
    private final int managementPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ConcurrentLinkedQueue<String> output = new ConcurrentLinkedQueue<>();
    private Process process;

    Keycloak(Path home, int port, int managementPort) {
        if (!Files.isExecutable(home.resolve("bin/kc.sh"))) {
            throw new IllegalStateException("No Keycloak in " + home + ": the build unpacks it (maven-dependency-plugin, "
                                                    + "generate-test-resources); run the tests through Maven");
        }
        this.home = home;
        this.port = port;
        this.managementPort = managementPort;
    }

    /** Base URI, the host name every client (and so every token's issuer) uses. */
    URI base() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /**
     * The issuer of a realm's tokens.
     *
     * @param realm realm name
     * @return e.g. http://127.0.0.1:8180/realms/products
     */
    String issuer(String realm) {
        return base() + "/realms/" + realm;
    }

    /**
     * Starts Keycloak and waits until it serves the master realm's discovery document.
     *
     * @return how long the start took
     */
    Duration start() {
        long started = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/kc.sh").toString(), "start-dev",
                                                    "--http-host=127.0.0.1", "--http-port=" + port,
                                                    "--http-management-port=" + managementPort)
                .directory(home.toFile())
                .redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN);
        builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Keycloak: " + builder.command(), e);
        }
        Process started0 = process;
        Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(started0.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    output.add(line);
                    while (output.size() > 400) {
                        output.poll();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        URI ready = URI.create(issuer("master") + "/.well-known/openid-configuration");
        long deadline = started + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with " + process.exitValue() + ":\n" + output());
            }
            try {
                if (http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(),
                              HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return Duration.ofNanos(System.nanoTime() - started);
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(500);
        }
        throw new IllegalStateException("Keycloak did not start within " + START_TIMEOUT + ":\n" + output());
    }

    /** Stops the server (and the JVM kc.sh started) and waits until it is gone: an outage. */
    void stop() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> all = process.descendants().collect(Collectors.toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : all) {
            try {
                handle.onExit().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    /** @return the last lines Keycloak printed, for failure messages */
    String output() {
        return String.join("\n", output);
    }

    /**
     * A token of the client-credentials grant.
     *
     * @param realm  realm
     * @param client client id
     * @param secret client secret
     * @return the access token
     */
    String clientToken(String realm, String client, String secret) {
        JsonNode answer = form(URI.create(issuer(realm) + "/protocol/openid-connect/token"),
                               Map.of("grant_type", "client_credentials", "client_id", client, "client_secret", secret));
        return answer.get("access_token").asText();
    }

    /**
     * A realm, created whole from its representation (clients, client scopes, mappers...).
     *
     * @param realm the representation
     */
    void createRealm(Map<String, Object> realm) {
        admin("POST", "/admin/realms", realm);
    }

    /**
     * A client scope that is written into the token's {@code scope} claim and adds an audience.
     *
     * @param realm    realm
     * @param name     scope name, e.g. products.read
     * @param audience audience its audience mapper adds to access tokens
     */
    void createScope(String realm, String name, String audience) {
        Map<String, Object> mapper = Map.of(
                "name", audience + " audience", "protocol", "openid-connect", "protocolMapper", "oidc-audience-mapper",
                "config", Map.of("included.custom.audience", audience, "access.token.claim", "true",
                                 "id.token.claim", "false", "introspection.token.claim", "true"));
        admin("POST", "/admin/realms/" + realm + "/client-scopes", Map.of(
                "name", name, "protocol", "openid-connect",
                "attributes", Map.of("include.in.token.scope", "true", "display.on.consent.screen", "false"),
                "protocolMappers", List.of(mapper)));
    }

    /**
     * A confidential client of the client-credentials grant (a service account) and nothing else.
     *
     * @param realm      realm
     * @param clientId   its id
     * @param secret     its secret
     * @param scopes     its default client scopes (in every token it gets)
     * @param attributes more client attributes, e.g. access.token.lifespan
     */
    void createClient(String realm, String clientId, String secret, List<String> scopes, Map<String, String> attributes) {
        Map<String, Object> client = new java.util.HashMap<>();
        client.put("clientId", clientId);
        client.put("enabled", true);
        client.put("protocol", "openid-connect");
        client.put("publicClient", false);
        client.put("secret", secret);
        client.put("serviceAccountsEnabled", true);
        client.put("standardFlowEnabled", false);
        client.put("directAccessGrantsEnabled", false);
        client.put("defaultClientScopes", scopes);
        client.put("optionalClientScopes", List.of());
        client.put("attributes", attributes);
        admin("POST", "/admin/realms/" + realm + "/clients", client);
    }

    /**
     * A component's name.
     *
     * @param realm realm
     * @param id    component id
     * @return its name
     */
    String componentName(String realm, String id) {
        return admin("GET", "/admin/realms/" + realm + "/components/" + id, null).body().path("name").asText();
    }

    /**
     * Changes some of a realm's settings.
     *
     * @param realm    realm
     * @param settings fields of the representation to change
     */
    void updateRealm(String realm, Map<String, Object> settings) {
        admin("PUT", "/admin/realms/" + realm, settings);
    }

    /**
     * Adds a key provider (a component of type KeyProvider) to a realm.
     *
     * @param realm      realm
     * @param name       component name
     * @param providerId e.g. rsa-generated, ecdsa-generated
     * @param config     its settings (priority, key size, curve...)
     * @return the component's id
     */
    String addKeyProvider(String realm, String name, String providerId, Map<String, String> config) {
        String realmId = admin("GET", "/admin/realms/" + realm, null).body().path("id").asText();
        Map<String, Object> component = Map.of(
                "name", name, "providerId", providerId, "providerType", "org.keycloak.keys.KeyProvider",
                "parentId", realmId,
                "config", config.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))));
        String location = admin("POST", "/admin/realms/" + realm + "/components", component).location();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    /**
     * Changes settings of a key provider, e.g. its priority (the highest active key signs).
     *
     * @param realm  realm
     * @param id     component id
     * @param config the settings to change
     */
    void updateKeyProvider(String realm, String id, Map<String, String> config) {
        com.fasterxml.jackson.databind.node.ObjectNode component =
                (com.fasterxml.jackson.databind.node.ObjectNode) admin("GET", "/admin/realms/" + realm + "/components/" + id, null).body();
        com.fasterxml.jackson.databind.node.ObjectNode settings = component.with("config");
        config.forEach((key, value) -> settings.putArray(key).add(value));
        admin("PUT", "/admin/realms/" + realm + "/components/" + id, component);
    }

    /**
     * The ids of a realm's key providers with this provider id.
     *
     * @param realm      realm
     * @param providerId e.g. rsa-generated
     * @return component ids
     */
    List<String> keyProviders(String realm, String providerId) {
        JsonNode components = admin("GET", "/admin/realms/" + realm + "/components?type=org.keycloak.keys.KeyProvider", null).body();
        return java.util.stream.StreamSupport.stream(components.spliterator(), false)
                .filter(component -> providerId.equals(component.path("providerId").asText()))
                .map(component -> component.path("id").asText())
                .toList();
    }

    /**
     * Removes a component (a key provider): its keys leave the realm's JWK Set at once.
     *
     * @param realm realm
     * @param id    component id
     */
    void removeComponent(String realm, String id) {
        admin("DELETE", "/admin/realms/" + realm + "/components/" + id, null);
    }

    /**
     * Deletes a realm, if it exists.
     *
     * @param realm realm
     */
    void deleteRealm(String realm) {
        try {
            admin("DELETE", "/admin/realms/" + realm, null);
        } catch (IllegalStateException ignored) {
            // gone already
        }
    }

    private record Answer(JsonNode body, String location) {
    }

    private Answer admin(String method, String path, Object body) {
        String token = form(URI.create(issuer("master") + "/protocol/openid-connect/token"),
                            Map.of("grant_type", "password", "client_id", "admin-cli",
                                   "username", ADMIN, "password", ADMIN_PASSWORD)).get("access_token").asText();
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + token);
            if (body == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return new Answer(response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body()),
                              response.headers().firstValue("Location").orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode form(URI uri, Map<String, String> fields) {
        String body = fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                                                              .header("Content-Type", "application/x-www-form-urlencoded")
                                                              .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                                      HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(uri + " answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The header of a JWT, decoded (to see which key signed it).
     *
     * @param token a JWT
     * @return its header
     */
    static JsonNode header(String token) {
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The claims of a JWT, decoded.
     *
     * @param token a JWT
     * @return its claims
     */
    static JsonNode claims(String token) {
        try {
            String[] parts = token.split("\\.");
            return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
