package org.productservice;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.productservice.testing.Api;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.productservice.testing.Problems.assertProblem;

/** The create/get contract of the FastAPI service this one replaces, over real HTTP and the local engine. */
@ServerTest
class ProductCreateGetTest {
    private final Api api;

    ProductCreateGetTest(WebServer server) {
        this.api = new Api(server.port());
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        Main.configure(server, TestEngine.get().config(Map.of()));
    }

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
}
