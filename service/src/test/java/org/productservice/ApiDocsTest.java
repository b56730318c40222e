package org.productservice;

import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.helidon.webserver.http.HttpRules;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.productservice.docs.ApiDocs;
import org.productservice.product.ProductApiSettings;
import org.productservice.product.ProductService;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;
import org.yaml.snakeyaml.Yaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document matches the routes the service registers, and the docs are served. (That
 * its schemas have every product field is {@code product.ProductFieldsTest}'s.)
 */
class ApiDocsTest {
    private static final Set<String> HTTP_METHODS = Set.of("get", "post", "put", "patch", "delete", "head", "options");

    @AutoClose
    private static final RunningService SERVICE = RunningService.start(Map.of());

    private final Api api = SERVICE.api();

    @Test
    void everyDocumentedOperationIsRoutedAndEveryRouteIsDocumented() throws Exception {
        assertThat(documentedOperations()).isEqualTo(registeredOperations()).isNotEmpty();
    }

    @Test
    void theDocumentIsOpenApi31WithEveryErrorAProblem() throws Exception {
        Map<String, Object> document = document();
        assertThat(document.get("openapi")).isEqualTo("3.1.0");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> responses =
                (Map<String, Map<String, Object>>) ((Map<String, Object>) document.get("components")).get("responses");
        responses.forEach((name, response) -> {
            if (!name.equals("Changed")) {
                assertThat(response.get("content").toString()).as(name).contains("application/problem+json");
            }
        });
    }

    @Test
    void theOnlyServerIsRelativeSoTryItOutCallsTheHostThatServedTheDocs() throws Exception {
        assertThat(document().get("servers")).isEqualTo(List.of(Map.of("url", "/", "description", "this server")));
    }

    @Test
    void theDescriptionSendsHealthAndMetricsReadersToTheAdminListenerNotToThisPort() throws Exception {
        @SuppressWarnings("unchecked")
        String description = ((String) ((Map<String, Object>) document().get("info")).get("description")).replaceAll("\\s+", " ");
        assertThat(description).contains("admin listener (`admin.port`, 9080 by default")
                .contains("`/observe/health`").contains("`/observe/metrics`");
        // Where the description says they are not: the API's port has no /observe.
        assertThat(api.get("/observe/health").status()).isEqualTo(404);
        assertThat(api.get("/observe/metrics").status()).isEqualTo(404);
    }

    @Test
    void theDocumentIsServedAsYamlAndAsJson() {
        Api.Response yaml = api.get("/openapi");
        assertThat(yaml.status()).isEqualTo(200);
        assertThat(yaml.header("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/yaml"));
        assertThat(yaml.body()).startsWith("openapi: 3.1.0");

        Api.Response json = api.get("/openapi", "Accept", "application/json");
        assertThat(json.header("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode parsed = json.json();
        assertThat(parsed.path("openapi").asText()).isEqualTo("3.1.0");
        assertThat(parsed.path("paths").has("/products/{id}")).isTrue();
    }

    @Test
    void theJsonDocumentIsTheYamlDocument() throws Exception {
        JsonNode fromYaml = new ObjectMapper().valueToTree(document());
        JsonNode served = api.get("/openapi", "Accept", "application/json").json();
        assertThat(served).isEqualTo(fromYaml);
        assertThat(served.size()).isGreaterThan(3);
    }

    @Test
    void swaggerUiIsServedFromTheClasspathAndPointsAtTheDocument() {
        Api.Response redirect = api.get("/docs");
        assertThat(redirect.status()).isEqualTo(301);
        assertThat(redirect.header("Location")).contains("/docs/");

        Api.Response page = api.get("/docs/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("swagger-ui-bundle.js");
        assertThat(api.get("/docs/swagger-ui-bundle.js").status()).isEqualTo(200);
        Api.Response initializer = api.get("/docs/swagger-initializer.js");
        assertThat(initializer.body()).contains("url: \"/openapi\"").doesNotContain("petstore");
    }

    private static Set<String> documentedOperations() throws Exception {
        Set<String> operations = new TreeSet<>();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) document().get("paths");
        paths.forEach((path, item) -> item.keySet().stream()
                .filter(HTTP_METHODS::contains)
                .forEach(method -> operations.add(method.toUpperCase(Locale.ROOT) + " " + path)));
        return operations;
    }

    /** Records what ProductService registers, through a proxy of Helidon's HttpRules. */
    private static Set<String> registeredOperations() {
        Set<String> operations = new TreeSet<>();
        Set<String> seen = new HashSet<>();
        HttpRules recorder = (HttpRules) Proxy.newProxyInstance(
                HttpRules.class.getClassLoader(), new Class<?>[] {HttpRules.class}, (proxy, method, args) -> {
                    String name = method.getName();
                    if (HTTP_METHODS.contains(name) && args != null && args.length > 0 && args[0] instanceof String pattern) {
                        String path = "/products" + (pattern.equals("/") ? "" : pattern);
                        operations.add(name.toUpperCase(Locale.ROOT) + " " + path);
                    }
                    seen.add(name);
                    return proxy;
                });
        ProductApiSettings settings = ProductApiSettings.create(TestEngine.get().config(Map.of()).get("api"));
        new ProductService(null, null, settings, settings::cursorSecret, Clock.systemUTC())
                .routing(recorder);
        assertThat(seen).as("the recorder understood every registration").isSubsetOf(Set.of("get", "head", "post", "put", "patch", "delete", "any"));
        return operations;
    }

    private static Map<String, Object> document() throws Exception {
        try (InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(ApiDocs.DOCUMENT)) {
            return new Yaml().load(in);
        }
    }
}
