package org.productservice;

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

/** PUT, PATCH and DELETE with their preconditions (If-Match), and the methods each route refuses, over real HTTP. */
class ProductUpdateDeleteTest {
    private static final String MERGE_PATCH = "application/merge-patch+json";

    @AutoClose
    private static final RunningService SERVICE = RunningService.start(Map.of());

    private final Api api = SERVICE.api();

    @Test
    void putReplacesFieldsAndBumpsVersionAndUpdatedAt() throws InterruptedException {
        JsonNode created = api.createProduct("Lamp", "bright");
        Thread.sleep(5);
        Api.Response put = put(id(created), "{\"name\": \"Desk lamp\", \"description\": \"brighter\"}", "If-Match", "\"1\"");

        assertThat(put.status()).isEqualTo(200);
        assertThat(put.header("ETag")).contains("\"2\"");
        JsonNode updated = put.json();
        assertThat(updated.path("id")).isEqualTo(created.path("id"));
        assertThat(updated.path("name").asText()).isEqualTo("Desk lamp");
        assertThat(updated.path("description").asText()).isEqualTo("brighter");
        assertThat(updated.path("version").asLong()).isEqualTo(2);
        assertThat(updated.path("created_at")).isEqualTo(created.path("created_at"));
        assertThat(updated.path("updated_at").decimalValue()).isGreaterThan(created.path("updated_at").decimalValue());
        assertThat(api.get("/products/" + id(created)).json()).isEqualTo(updated);
    }

    @Test
    void putWithoutIfMatchStillBumpsTheVersionAtomically() {
        JsonNode created = api.createProduct("Chair", "wood");
        put(id(created), "{\"name\": \"Chair\", \"description\": \"oak\"}");
        Api.Response second = put(id(created), "{\"name\": \"Chair\", \"description\": \"walnut\"}");
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json().path("version").asLong()).isEqualTo(3);
    }

    @Test
    void staleIfMatchIsRejectedWith412AndTheProductIsUntouched() {
        JsonNode created = api.createProduct("Mug", "blue");
        put(id(created), "{\"name\": \"Mug\", \"description\": \"green\"}", "If-Match", "\"1\"");
        JsonNode current = api.get("/products/" + id(created)).json();

        JsonNode problem = assertProblem(put(id(created), "{\"name\": \"Mug\", \"description\": \"red\"}", "If-Match", "\"1\""), 412);
        assertThat(problem.path("detail").asText()).contains("version 2");
        assertProblem(patch(id(created), "{\"description\": \"red\"}", "If-Match", "\"1\""), 412);
        assertProblem(api.send("DELETE", "/products/" + id(created), null, "If-Match", "\"1\""), 412);
        assertProblem(put(id(created), "{\"name\": \"Mug\", \"description\": \"red\"}", "If-Match", "W/\"2\""), 412);
        assertProblem(put(id(created), "{\"name\": \"Mug\", \"description\": \"red\"}", "If-Match", "\"not-a-version\""), 412);

        assertThat(api.get("/products/" + id(created)).json()).isEqualTo(current);
    }

    @Test
    void ifMatchStarMatchesAnyExistingProductOnly() {
        JsonNode created = api.createProduct("Pen", "ink");
        assertThat(put(id(created), "{\"name\": \"Pen\", \"description\": \"gel\"}", "If-Match", "*").status()).isEqualTo(200);
        assertProblem(put(UUID.randomUUID().toString(), "{\"name\": \"Pen\", \"description\": \"gel\"}", "If-Match", "*"), 404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "\"1", "\"1\", \"2\""})
    void malformedOrMultipleIfMatchIs400(String ifMatch) {
        JsonNode created = api.createProduct("Cup", "tea");
        assertProblem(put(id(created), "{\"name\": \"Cup\", \"description\": \"coffee\"}", "If-Match", ifMatch), 400, "If-Match");
    }

    @Test
    void writesToUnknownIdsAre404AndCreateNothing() {
        String id = UUID.randomUUID().toString();
        assertProblem(put(id, "{\"name\": \"Ghost\", \"description\": \"none\"}"), 404);
        assertProblem(patch(id, "{\"name\": \"Ghost\"}"), 404);
        assertProblem(api.send("DELETE", "/products/" + id, null), 404);
        assertProblem(api.get("/products/" + id), 404);
    }

    @Test
    void patchChangesOnlyTheGivenFields() {
        JsonNode created = api.createProduct("Bag", "leather");
        Api.Response patched = patch(id(created), "{\"description\": \"canvas\"}", "If-Match", "\"1\"");

        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.header("ETag")).contains("\"2\"");
        assertThat(patched.json().path("name").asText()).isEqualTo("Bag");
        assertThat(patched.json().path("description").asText()).isEqualTo("canvas");
        Api.Response renamed = patch(id(created), "{\"name\": \"Tote\"}");
        assertThat(renamed.json().path("name").asText()).isEqualTo("Tote");
        assertThat(renamed.json().path("description").asText()).isEqualTo("canvas");
        assertThat(renamed.json().path("version").asLong()).isEqualTo(3);
    }

    @Test
    void emptyMergePatchChangesNothing() {
        JsonNode created = api.createProduct("Box", "cardboard");
        Api.Response patched = patch(id(created), "{}", "If-Match", "\"1\"");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.json()).isEqualTo(created);
        assertProblem(patch(id(created), "{}", "If-Match", "\"7\""), 412);
    }

    @Test
    void patchCannotRemoveRequiredFields() {
        JsonNode created = api.createProduct("Hat", "wool");
        assertProblem(patch(id(created), "{\"description\": null}"), 400, "description");
        assertProblem(patch(id(created), "{\"name\": null}"), 400, "name");
        assertThat(api.get("/products/" + id(created)).json()).isEqualTo(created);
    }

    @Test
    void patchNeedsTheMergePatchMediaType() {
        JsonNode created = api.createProduct("Scarf", "silk");
        Api.Response response = api.send("PATCH", "/products/" + id(created), "{\"name\": \"x\"}", "Content-Type", "application/json");
        assertProblem(response, 415);
        assertThat(response.header("Accept-Patch")).contains(MERGE_PATCH);
    }

    @Test
    void deleteRemovesTheProduct() {
        JsonNode created = api.createProduct("Vase", "glass");
        Api.Response deleted = api.send("DELETE", "/products/" + id(created), null, "If-Match", "\"1\"");
        assertThat(deleted.status()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertThat(deleted.header("Content-Length")).as("RFC 9110 forbids Content-Length on a 204").isEmpty();
        assertProblem(api.get("/products/" + id(created)), 404);
        assertProblem(api.send("DELETE", "/products/" + id(created), null), 404);
    }

    @ParameterizedTest
    @CsvSource({"DELETE,/products,'GET, HEAD, POST'", "PUT,/products,'GET, HEAD, POST'",
                "POST,/products/3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9e0f12,'GET, HEAD, PUT, PATCH, DELETE'"})
    void unsupportedMethodsAre405WithAllow(String method, String path, String allow) {
        Api.Response response = api.send(method, path, null);
        assertProblem(response, 405);
        assertThat(response.header("Allow")).contains(allow);
    }

    private Api.Response put(String id, String body, String... headers) {
        return api.send("PUT", "/products/" + id, body, concat(headers, "Content-Type", "application/json"));
    }

    private Api.Response patch(String id, String body, String... headers) {
        return api.send("PATCH", "/products/" + id, body, concat(headers, "Content-Type", MERGE_PATCH));
    }

    private static String[] concat(String[] headers, String... more) {
        String[] all = new String[headers.length + more.length];
        System.arraycopy(headers, 0, all, 0, headers.length);
        System.arraycopy(more, 0, all, headers.length, more.length);
        return all;
    }

    private static String id(JsonNode product) {
        return product.path("id").asText();
    }
}
