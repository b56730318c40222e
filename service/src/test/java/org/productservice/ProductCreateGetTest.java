package org.productservice;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.productservice.testing.Problems.assertProblem;

/**
 * POST and GET of one product over real HTTP and the local engine: the create/get contract of the
 * FastAPI service this one replaces, a conditional GET, and every rule a create's body must meet
 * (PUT's body follows the same rules, checked alongside).
 */
class ProductCreateGetTest {
    @AutoClose
    private static final RunningService SERVICE = RunningService.start(Map.of());

    private final Api api = SERVICE.api();

    @Test
    void originalServicesCurlCallsWork() {
        Instant before = Instant.now();
        Api.Response created = api.create("{\"name\": \"Book\", \"description\": \"Another paper thing\"}");

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Content-Type")).contains("application/json");
        JsonNode product = created.json();
        String id = product.path("id").asText();
        assertThat(UUID.fromString(id).toString()).isEqualTo(id);
        assertThat(created.header("Location")).contains("/products/" + id);
        assertThat(created.header("ETag")).contains("\"1\"");
        assertThat(product.path("name").asText()).isEqualTo("Book");
        assertThat(product.path("description").asText()).isEqualTo("Another paper thing");
        assertThat(product.path("version").asLong()).isEqualTo(1);
        assertThat(product.path("created_at").isNumber()).isTrue();
        assertThat(product.path("updated_at")).isEqualTo(product.path("created_at"));
        BigDecimal createdAt = product.path("created_at").decimalValue();
        assertThat(createdAt.scale()).as("millisecond precision").isLessThanOrEqualTo(3);
        assertThat(createdAt.longValue()).isBetween(before.getEpochSecond(), Instant.now().getEpochSecond());

        Api.Response fetched = api.get("/products/" + id);
        assertThat(fetched.status()).isEqualTo(200);
        assertThat(fetched.header("ETag")).contains("\"1\"");
        assertThat(fetched.json()).isEqualTo(product);
    }

    @Test
    void unicodeIsStoredInNormalFormC() {
        String name = "Čaj 🍵 — 茶";
        String description = "Tab\there, newline\nthere, emoji 👩‍👩‍👧, RTL עברית, combining e\u0301";
        JsonNode created = api.createProduct(name, description);

        JsonNode fetched = api.get("/products/" + created.path("id").asText()).json();
        assertThat(fetched.path("name").asText()).isEqualTo(name);
        // Composed on the way in (e + U+0301 becomes U+00E9), everything else exactly as sent.
        assertThat(fetched.path("description").asText())
                .isEqualTo("Tab\there, newline\nthere, emoji 👩‍👩‍👧, RTL עברית, combining \u00e9");
    }

    @Test
    void unknownIdIs404Problem() {
        String id = UUID.randomUUID().toString();
        JsonNode problem = assertProblem(api.get("/products/" + id), 404);
        assertThat(problem.path("detail").asText()).contains(id);
        assertThat(problem.path("instance").asText()).isEqualTo("/products/" + id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"42", "not-a-uuid", "3f2b7c1e8a4d4f6b9c2e1d5a7b9e0f12", "3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9e0f1z"})
    void idThatIsNotAUuidIs400(String id) {
        assertProblem(api.get("/products/" + id), 400, "id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"name\": \"a\",}", "not json", "{\"name\": \"a\", \"description\": \"b\"} trailing",
                            "{\"name\": \"a\", \"name\": \"b\", \"description\": \"c\"}"})
    void malformedJsonIs400(String body) {
        assertProblem(api.create(body), 400, "body");
    }

    @Test
    void invalidUtf8IsRefusedNotRepaired() {
        byte[] overlongSlash = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', 'a', (byte) 0xC0, (byte) 0xAF, '"', ',',
                '"', 'd', 'e', 's', 'c', 'r', 'i', 'p', 't', 'i', 'o', 'n', '"', ':', '"', 'x', '"', '}'};
        Api.Response response = api.sendBytes("POST", "/products", overlongSlash, "Content-Type", "application/json");
        assertProblem(response, 400, "body");
    }

    @Test
    void missingFieldsAreEachNamed() {
        JsonNode problem = assertProblem(api.create("{}"), 400);
        assertThat(problem.path("errors").findValuesAsText("field")).containsExactlyInAnyOrder("name", "description");
    }

    @Test
    void mistypedFieldsAreEachNamed() {
        JsonNode problem = assertProblem(api.create("{\"name\": 5, \"description\": null}"), 400);
        assertThat(problem.path("errors").findValuesAsText("field")).containsExactlyInAnyOrder("name", "description");
        assertThat(problem.path("errors").findValuesAsText("message"))
                .anySatisfy(m -> assertThat(m).contains("a number"))
                .anySatisfy(m -> assertThat(m).contains("null"));
    }

    @Test
    void nonObjectBodyIs400() {
        assertProblem(api.create("[{\"name\": \"a\", \"description\": \"b\"}]"), 400, "body");
        assertProblem(api.create("\"text\""), 400, "body");
        assertProblem(api.create(""), 400, "body");
    }

    @Test
    void clientErrorsNeverStoreAnything() {
        api.create("{\"name\": \"\", \"description\": \"ghost\"}");
        api.create("{\"name\": \"ghost-only\", \"description\": 1}");
        JsonNode all = api.get("/products?limit=100").json();
        assertThat(all.path("items").findValuesAsText("name")).doesNotContain("ghost-only", "");
    }

    @Test
    void getWithCurrentIfNoneMatchIs304() {
        JsonNode created = api.createProduct("Plate", "round");
        Api.Response notModified = api.get("/products/" + id(created), "If-None-Match", "\"1\"");
        assertThat(notModified.status()).isEqualTo(304);
        assertThat(notModified.header("ETag")).contains("\"1\"");
        // A 304's Content-Length, if any, would have to be the 200's length; "0" would be wrong.
        assertThat(notModified.header("Content-Length")).isEmpty();
        assertThat(notModified.body()).isEmpty();
        assertThat(api.get("/products/" + id(created), "If-None-Match", "\"0\"").status()).isEqualTo(200);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"name\": \"a\", \"description\": \"b\", \"id\": \"x\"}|id",
            "{\"name\": \"a\", \"description\": \"b\", \"created_at\": 1}|created_at",
            "{\"name\": \"a\", \"description\": \"b\", \"updated_at\": 1}|updated_at",
            "{\"name\": \"a\", \"description\": \"b\", \"version\": 9}|version",
            "{\"name\": \"a\", \"description\": \"b\", \"price\": 9}|price",
            "{\"name\": \"   \", \"description\": \"b\"}|name",
            "{\"name\": [\"a\"], \"description\": \"b\"}|name",
            "{\"name\": \"a\", \"description\": {}}|description",
            "{\"name\": \"a\\u0000b\", \"description\": \"b\"}|name",
            "{\"name\": \"\\ud800\", \"description\": \"b\"}|name",
            "{\"name\": \"a\", \"description\": \"\\udc00\"}|description"})
    void invalidBodiesNameTheField(String body, String field) {
        assertProblem(api.create(body), 400, field);
        JsonNode created = api.createProduct("Strict", "input");
        assertProblem(api.send("PUT", "/products/" + id(created), body, "Content-Type", "application/json"), 400, field);
        assertThat(api.get("/products/" + id(created)).json()).isEqualTo(created);
    }

    @Test
    void lengthLimitsAreExplicit() {
        assertThat(api.create(Api.json(Map.of("name", "n".repeat(200), "description", "d".repeat(2000)))).status()).isEqualTo(201);
        assertThat(api.create(Api.json(Map.of("name", "  " + "é".repeat(200) + "  ", "description", ""))).status()).isEqualTo(201);
        assertProblem(api.create(Api.json(Map.of("name", "n".repeat(201), "description", "d"))), 400, "name");
        assertProblem(api.create(Api.json(Map.of("name", "n", "description", "d".repeat(2001)))), 400, "description");
        // Characters, not UTF-16 units: 200 emoji are 400 chars in Java but a valid name.
        assertThat(api.create(Api.json(Map.of("name", "😀".repeat(200), "description", "d"))).status()).isEqualTo(201);
    }

    @Test
    void namesAreTrimmed() {
        JsonNode created = api.createProduct("  Spaced  ", "d");
        assertThat(created.path("name").asText()).isEqualTo("Spaced");
    }

    @ParameterizedTest
    @CsvSource({"text/plain,POST", "application/xml,POST", "'application/json; charset=iso-8859-1',POST", "text/plain,PUT"})
    void wrongContentTypeIs415(String contentType, String method) {
        String path = method.equals("POST") ? "/products" : "/products/" + id(api.createProduct("Typed", "d"));
        Api.Response response = api.send(method, path, "{\"name\": \"a\", \"description\": \"b\"}", "Content-Type", contentType);
        assertProblem(response, 415, "Content-Type");
    }

    @Test
    void missingContentTypeIs415() {
        assertProblem(api.send("POST", "/products", "{\"name\": \"a\", \"description\": \"b\"}"), 415);
    }

    @Test
    void jsonWithUtf8CharsetIsAccepted() {
        Api.Response response = api.send("POST", "/products", "{\"name\": \"a\", \"description\": \"b\"}",
                                          "Content-Type", "application/json; charset=UTF-8");
        assertThat(response.status()).isEqualTo(201);
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

    private static String id(JsonNode product) {
        return product.path("id").asText();
    }
}
