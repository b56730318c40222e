package org.productservice;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.productservice.logging.LogFormat;
import org.productservice.testing.Api;
import org.productservice.testing.LogCapture;
import org.productservice.testing.RunningService;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.productservice.testing.Problems.assertProblem;

/**
 * Defences at the HTTP edge, each found in a code review: unknown methods, log lines forged
 * through paths, products kept by caches or sniffed by browsers, the docs framed by other sites.
 */
class HardeningTest {
    @AutoClose
    private static final RunningService SERVER = RunningService.start(Map.of());
    private final Api api = SERVER.api();
    private final Api admin = SERVER.admin();

    @Test
    void unknownMethodsGet501AndAddNoMetricSeries() {
        for (int i = 0; i < 50; i++) {
            JsonNode problem = assertProblem(api.send("X" + i + UUID.randomUUID().toString().substring(0, 4), "/products",
                                                      null), 501);
            assertThat(problem.get("detail").asText()).isEqualTo("This server does not implement that method.");
        }

        String metrics = admin.get("/observe/metrics", "Accept", "text/plain").body();
        List<String> methods = metrics.lines()
                .filter(line -> line.startsWith("http_server_requests_seconds_count{"))
                .map(line -> line.replaceAll(".*method=\"([^\"]*)\".*", "$1"))
                .distinct()
                .toList();
        assertThat(methods).contains("OTHER").allMatch(method -> List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                                                          "OPTIONS", "TRACE", "CONNECT", "OTHER")
                .contains(method));
    }

    @Test
    void controlCharactersInAPathCannotForgeLogLines() throws Exception {
        List<String> lines;
        try (LogCapture access = LogCapture.access(LogFormat.TEXT, LogFormat.JSON)) {
            lines = access.lines();
            api.get("/products/x%0D%0A12:00:00.000%20INFO%20forged%1B%5B31m%C2%9B");
            // The line is written once the response is sent, which can be just after the client has it.
            for (int i = 0; i < 100 && lines.size() < 2; i++) {
                Thread.sleep(20);
            }
        }

        String escaped = "/products/x\\x0D\\x0A12:00:00.000 INFO forged\\x1B[31m\\x9B";
        assertThat(lines).hasSize(2).allSatisfy(line -> assertThat(line.strip()).doesNotContain("\r", "\n", "\u001B", "\u009B"));
        assertThat(lines.get(0)).contains("GET " + escaped + " -> 400");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(1)).get("path").asText()).isEqualTo(escaped);
    }

    @Test
    void productsAndListsAreNotCachedNorSniffed() {
        JsonNode created = api.createProduct("Headers", "d");
        List<Api.Response> responses = List.of(api.create(Api.json(Map.of("name", "h", "description", "d"))),
                                               api.get("/products/" + created.get("id").asText()),
                                               api.get("/products"),
                                               api.get("/products?name=Headers"));
        for (Api.Response response : responses) {
            assertThat(response.header("Cache-Control")).hasValue("no-store");
            assertThat(response.header("X-Content-Type-Options")).hasValue("nosniff");
        }
    }

    @Test
    void docsHaveAContentSecurityPolicyThatForbidsFraming() {
        for (String path : List.of("/docs/", "/docs/swagger-initializer.js", "/docs/index.css")) {
            Api.Response response = api.get(path);
            assertThat(response.status()).as(path).isEqualTo(200);
            assertThat(response.header("Content-Security-Policy")).as(path)
                    .hasValueSatisfying(csp -> assertThat(csp).contains("frame-ancestors 'none'", "default-src 'none'",
                                                                        "script-src 'self'"));
        }
    }
}
