package org.productservice;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;


import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Health endpoints and metrics, against a live engine and against none. */
class HealthAndMetricsTest {

    @Test
    void healthIsUpWithTheEngineAndReadinessNamesTheTables() {
        try (RunningService server = RunningService.start(Map.of())) {
            Api api = server.api();
            Api admin = server.admin();
            Api.Response ready = admin.get("/observe/health/ready");
            assertThat(ready.status()).isEqualTo(200);
            JsonNode check = ready.json().path("checks").get(0);
            assertThat(check.path("name").asText()).isEqualTo("dynamodb");
            assertThat(check.path("status").asText()).isEqualTo("UP");
            assertThat(check.path("data").properties()).hasSize(2)
                    .allSatisfy(table -> assertThat(table.getValue().asText()).isEqualTo("ACTIVE"));
            assertThat(admin.get("/observe/health/live").status()).isEqualTo(200);
            assertThat(admin.get("/observe/health/started").status()).isEqualTo(200);
        }
    }

    @Test
    void readinessIsDownAndLivenessUpWhenTheEngineIsUnreachable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (RunningService server = RunningService.start("http://127.0.0.1:" + closedPort, Map.of())) {
            Api api = server.api();
            Api admin = server.admin();
            Api.Response ready = admin.get("/observe/health/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().path("status").asText()).isEqualTo("DOWN");
            assertThat(ready.json().path("checks").get(0).path("data").toString()).contains("unreachable");
            Api.Response live = admin.get("/observe/health/live");
            assertThat(live.status()).isEqualTo(200);
            assertThat(live.json().path("status").asText()).isEqualTo("UP");
            assertThat(admin.get("/observe/health/started").status()).as("tables not created yet").isEqualTo(503);
        }
    }

    @Test
    void metricsCountRequestsByRouteTemplateNotById() {
        try (RunningService server = RunningService.start(Map.of())) {
            Api api = server.api();
            Api admin = server.admin();
            String id = api.createProduct("metered", "thing").path("id").asText();
            api.get("/products/" + id);
            Api.Response metrics = admin.get("/observe/metrics", "Accept", "text/plain");
            assertThat(metrics.status()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("http_server_requests_seconds_count{method=\"GET\",route=\"/products/{id}\"")
                    .contains("http_server_requests_seconds_count{method=\"POST\",route=\"/products\"")
                    .doesNotContain(id)
                    .contains("jvm_memory_used_bytes").contains("process_resident_memory_bytes");
        }
    }

    @Test
    void garbageCollectionsAreTimedByCollectorActionAndCause() {
        try (RunningService server = RunningService.start(Map.of())) {
            Api api = server.api();
            Api admin = server.admin();
            System.gc();
            // GC notifications arrive on the JVM's notification thread, shortly after the collection.
            String metrics = "";
            for (int attempt = 0; attempt < 100 && !metrics.contains("cause=\"System.gc()\""); attempt++) {
                metrics = admin.get("/observe/metrics", "Accept", "text/plain").body();
                sleep(50);
            }
            assertThat(metrics).containsPattern("jvm_gc_pause_seconds_count\\{[^}]*cause=\"System\\.gc\\(\\)\"[^}]*} [1-9]");
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
