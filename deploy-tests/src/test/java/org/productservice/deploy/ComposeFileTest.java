package org.productservice.deploy;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yaml, as docker-compose itself resolves it ({@code docker-compose config}):
 * valid, the service pointed at the engine service on the engine's port, the published ports
 * equal to the configured ones, and real healthchecks gating the start order.
 */
class ComposeFileTest {
    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void resolve() {
        Repository.requireTool("docker-compose",
                "Install it (Debian/Ubuntu: apt-get install docker-compose); .ci/run does this on CI.");
        String resolved = Repository.run(Duration.ofSeconds(30), "docker-compose", "-f", "docker-compose.yaml", "config");
        services = (Map<String, Map<String, Object>>) ((Map<String, Object>) Repository.loadAll(resolved).getFirst()).get("services");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(String service) {
        return (Map<String, String>) services.get(service).get("environment");
    }

    /**
     * A service's published ports as maps (target, published, host_ip when bound). Compose v1
     * resolves ports bound to an address to the short form "127.0.0.1:8000:8000/tcp", others to
     * the long form; both are read here.
     */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> ports(String service) {
        return ((List<Object>) services.get(service).get("ports")).stream().map(port -> {
            if (port instanceof Map<?, ?> map) {
                return (Map<String, Object>) map;
            }
            String[] parts = port.toString().replaceFirst("/\\w+$", "").split(":");
            Map<String, Object> parsed = new HashMap<>();
            parsed.put("target", Integer.parseInt(parts[parts.length - 1]));
            if (parts.length > 1) {
                parsed.put("published", parts[parts.length - 2]);
            }
            if (parts.length > 2) {
                parsed.put("host_ip", parts[0]);
            }
            return parsed;
        }).toList();
    }

    private static int published(String service, int target) {
        return ports(service).stream().filter(p -> ((Number) p.get("target")).intValue() == target)
                .map(p -> Integer.parseInt(String.valueOf(p.get("published")))).findFirst()
                .orElseThrow(() -> new AssertionError(service + " publishes no port for container port " + target));
    }

    @Test
    void serviceTalksToTheEngineServiceAndCreatesItsTables() {
        URI endpoint = URI.create(environment("product-service").get("DYNAMODB_ENDPOINT"));
        assertThat(services).containsKey(endpoint.getHost());
        assertThat(services.get(endpoint.getHost()).get("image").toString()).startsWith("amazon/dynamodb-local:");
        // The engine listens where the endpoint says (its -port argument).
        assertThat(String.join(" ", commandOf(endpoint.getHost()))).contains("-port " + endpoint.getPort()).contains("-sharedDb");
        assertThat(environment("product-service")).containsEntry("DYNAMODB_AUTOCREATE", "true");

        // The admin UI reads the same engine.
        URI adminEndpoint = URI.create(environment("dynamodb-admin").get("DYNAMO_ENDPOINT"));
        assertThat(adminEndpoint.getHost()).isEqualTo(endpoint.getHost());
        assertThat(adminEndpoint.getPort()).isEqualTo(endpoint.getPort());
    }

    @SuppressWarnings("unchecked")
    private static List<String> commandOf(String service) {
        return (List<String>) services.get(service).get("command");
    }

    @Test
    void portsMatchTheConfiguredOnes() {
        int port = Repository.serverPort();
        String configured = environment("product-service").getOrDefault("SERVER_PORT", String.valueOf(port));
        assertThat(Integer.parseInt(configured)).isEqualTo(port);
        assertThat(published("product-service", port)).isEqualTo(8080);
        assertThat(published("dynamodb", URI.create(environment("product-service").get("DYNAMODB_ENDPOINT")).getPort())).isEqualTo(8000);
        assertThat(published("dynamodb-admin", Integer.parseInt(environment("dynamodb-admin").get("PORT")))).isEqualTo(8001);
        // Health and metrics: the admin listener, on this machine only (the image's HEALTHCHECK uses it inside).
        assertThat(published("product-service", Repository.adminPort())).isEqualTo(Repository.adminPort());
        assertThat(ports("product-service")).filteredOn(p -> ((Number) p.get("target")).intValue() == Repository.adminPort())
                .singleElement().satisfies(p -> assertThat(p).containsEntry("host_ip", "127.0.0.1"));
    }

    @Test
    void theEngineAndTheUnauthenticatedAdminUiAreReachableFromThisMachineOnly() {
        for (String name : List.of("dynamodb", "dynamodb-admin")) {
            assertThat(ports(name)).as("%s ports", name).isNotEmpty()
                    .allSatisfy(p -> assertThat(p).as("%s port", name).containsEntry("host_ip", "127.0.0.1"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void healthchecksReallyCheckAndGateTheStartOrder() {
        for (String name : services.keySet()) {
            Map<String, Object> healthcheck = (Map<String, Object>) services.get(name).get("healthcheck");
            assertThat(healthcheck).as("%s healthcheck", name).isNotNull();
            String test = String.join(" ", (List<String>) healthcheck.get("test"));
            assertThat(test).as("%s healthcheck", name).doesNotContain("exit 0").doesNotContain("|| true").isNotBlank();
        }
        List<String> serviceCheck = (List<String>) ((Map<String, Object>) services.get("product-service").get("healthcheck")).get("test");
        assertThat(serviceCheck).endsWith(Repository.healthPath("ready"));

        for (String dependent : List.of("product-service", "dynamodb-admin")) {
            Map<String, Map<String, String>> dependsOn = (Map<String, Map<String, String>>) services.get(dependent).get("depends_on");
            assertThat(dependsOn).as("%s depends_on", dependent).containsKey("dynamodb");
            assertThat(dependsOn.values()).allSatisfy(c -> assertThat(c).containsEntry("condition", "service_healthy"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void imagesArePinnedAndTheServiceIsBuiltFromItsDockerfile() {
        Map<String, Object> build = (Map<String, Object>) services.get("product-service").get("build");
        assertThat(build.get("dockerfile")).isEqualTo("service/Dockerfile");
        for (String name : List.of("dynamodb", "dynamodb-admin")) {
            assertThat(services.get(name).get("image").toString()).as("%s image", name).matches("[^:]+:\\d+(\\.\\d+)+");
        }
    }
}
