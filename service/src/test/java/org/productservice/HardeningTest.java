package org.productservice;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.productservice.logging.LogFormat;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.productservice.testing.Problems.assertProblem;

/** The fixes of the code review: each test here failed before its fix. */
class HardeningTest {
    private static RunningService server;
    private static Api api;
    private static Api admin;

    @BeforeAll
    static void start() {
        server = RunningService.start(Map.of());
        api = server.api();
        admin = server.admin();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

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
    void aBodyWithThousandsOfUnknownFieldsGetsASmallAnswer() {
        StringBuilder body = new StringBuilder("{");
        for (int i = 0; i < 6000; i++) {
            body.append("\"f").append(i).append("\":1,");
        }
        body.append("\"name\":\"n\",\"description\":\"d\"}");

        Api.Response response = api.create(body.toString());

        JsonNode problem = assertProblem(response, 400);
        assertThat(response.body().length()).isLessThan(1024);
        assertThat(problem.get("detail").asText()).isEqualTo("body: has more than 6 fields; a product has name and description only");
    }

    @Test
    void controlCharactersInAPathCannotForgeLogLines() throws Exception {
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(LogFormat.TEXT.formatter().format(record));
                lines.add(LogFormat.JSON.formatter().format(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger access = Logger.getLogger("org.productservice.access");
        java.util.logging.Level level = access.getLevel();
        access.setLevel(java.util.logging.Level.INFO);
        access.addHandler(capture);
        try {
            api.get("/products/x%0D%0A12:00:00.000%20INFO%20forged%1B%5B31m%C2%9B");
            // The line is written once the response is sent, which can be just after the client has it.
            for (int i = 0; i < 100 && lines.size() < 2; i++) {
                Thread.sleep(20);
            }
        } finally {
            access.removeHandler(capture);
            access.setLevel(level);
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

    @Test
    void namesAreStoredInNfcAndRetriesInAnotherFormReplay() {
        String decomposed = "Cafe\u0301 " + UUID.randomUUID();
        String composed = Normalizer.normalize(decomposed, Normalizer.Form.NFC);
        String key = UUID.randomUUID().toString();

        Api.Response first = api.create(Api.json(Map.of("name", decomposed, "description", "e\u0301")), "Idempotency-Key", key);
        Api.Response retry = api.create(Api.json(Map.of("name", composed, "description", "\u00e9")), "Idempotency-Key", key);

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.json().get("name").asText()).isEqualTo(composed);
        assertThat(first.json().get("description").asText()).isEqualTo("\u00e9");
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).hasValue("true");
        assertThat(retry.json().get("id").asText()).isEqualTo(first.json().get("id").asText());
        assertThat(api.get("/products?name=" + java.net.URLEncoder.encode(decomposed, java.nio.charset.StandardCharsets.UTF_8))
                           .json().get("items")).hasSize(1);
    }

    @Test
    void namesWithInvisibleFormatOrSeparatorCharactersAreRefused() {
        for (String name : List.of("pay\u202Epal", "zero\u200Bwidth", "line\u2028sep", "para\u2029sep", "bom\uFEFF")) {
            JsonNode problem = assertProblem(api.create(Api.json(Map.of("name", name, "description", "d"))), 400);
            assertThat(problem.get("errors").get(0).get("field").asText()).isEqualTo("name");
            assertThat(problem.get("errors").get(0).get("message").asText()).startsWith("must not contain format or separator");
        }
    }

    @Test
    void descriptionsKeepTabsAndNewlinesButNoOtherControlCharacters() {
        assertThat(api.create(Api.json(Map.of("name", "tabs", "description", "a\tb\nc"))).status()).isEqualTo(201);
        for (String description : List.of("bell\u0007", "escape\u001B[31m", "carriage\rreturn", "c1\u0085")) {
            JsonNode problem = assertProblem(api.create(Api.json(Map.of("name", "n", "description", description))), 400);
            assertThat(problem.get("errors").get(0).get("message").asText())
                    .isEqualTo("must not contain control characters other than tab and newline");
        }
    }
}
