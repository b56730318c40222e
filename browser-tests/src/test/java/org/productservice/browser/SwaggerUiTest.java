package org.productservice.browser;

import java.net.URI;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Swagger UI at /docs of a running service (no auth), in headless Chromium with no network beyond
 * this machine: the page renders every operation of the OpenAPI document and "Try it out" really
 * creates and reads a product through the service. Screenshots: target/screenshots/swagger-*.png.
 */
class SwaggerUiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalStack stack;
    private static WebDriver browser;
    private static SwaggerUi page;

    @BeforeAll
    static void start() {
        browser = Chromium.start();
        stack = LocalStack.start(Map.of());
        page = new SwaggerUi(browser, stack.service());
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyOperationOfTheDocumentIsRenderedFromThisMachineAlone() throws Exception {
        page.open();
        Chromium.screenshot(browser, "swagger-operations");

        assertThat(page.renderedOperations()).isEqualTo(documentedOperations()).isNotEmpty();
        // Every asset and the document itself came from the service: the page works offline.
        assertThat(page.requestedUrls()).isNotEmpty()
                .allSatisfy(url -> assertThat(url).startsWith(stack.service().toString() + "/"));
    }

    @Test
    void underAHostNameOtherThanLoopbackThePageStillLoadsNothingFromElsewhere() {
        // Swagger UI skips its online validator badge (an image from validator.swagger.io, sent the
        // document's URL) only on localhost; behind a load balancer it would be loaded, or refused
        // by the page's Content-Security-Policy.
        URI named = URI.create("http://" + Chromium.OTHER_HOST + ":" + stack.service().getPort());
        SwaggerUi namedPage = new SwaggerUi(browser, named);
        Chromium.console(browser);

        namedPage.open();
        Chromium.screenshot(browser, "swagger-other-host");

        assertThat(namedPage.renderedOperations()).isNotEmpty();
        assertThat(namedPage.requestedUrls()).isNotEmpty().allSatisfy(url -> assertThat(url).startsWith(named + "/"));
        assertThat(browser.findElements(By.cssSelector("img[alt='Online validator badge'], img[alt='Error']"))).isEmpty();
        assertThat(Chromium.console(browser)).noneSatisfy(message -> assertThat(message).contains("Content Security Policy"));
    }

    @Test
    void tryItOutCreatesAProductAndReadsItBack() throws Exception {
        page.open();

        SwaggerUi.Shown created = page.tryItOut("POST", "/products", Map.of(),
                                                "{\"name\": \"Lamp\", \"description\": \"made in a browser\"}");
        Chromium.screenshot(browser, "swagger-try-it-out-create");
        assertThat(created.status()).as("shown: %s", created).isEqualTo(201);
        // The relative server: the page called the host it was served from.
        assertThat(created.requestUrl()).isEqualTo(stack.service() + "/products");
        JsonNode product = JSON.readTree(created.body());
        assertThat(product.path("name").asText()).isEqualTo("Lamp");
        assertThat(product.path("description").asText()).isEqualTo("made in a browser");
        assertThat(product.path("version").asInt()).isEqualTo(1);
        String id = product.path("id").asText();
        assertThat(id).matches("[0-9a-f-]{36}");

        SwaggerUi.Shown read = page.tryItOut("GET", "/products/{id}", Map.of("id", id), null);
        Chromium.screenshot(browser, "swagger-try-it-out-read");
        assertThat(read.status()).as("shown: %s", read).isEqualTo(200);
        assertThat(read.requestUrl()).isEqualTo(stack.service() + "/products/" + id);
        assertSameJson(JSON.readTree(read.body()), product);

        // What the page showed is what the service stored.
        assertSameJson(JSON.readTree(stack.call("GET", "/products/" + id, null).body()), product);
    }

    private static void assertSameJson(JsonNode actual, JsonNode expected) {
        assertThat(SwaggerUi.sameJson(actual, expected)).as("%s is %s", actual, expected).isTrue();
    }

    private static Set<String> documentedOperations() throws Exception {
        JsonNode document = JSON.readTree(stack.call("GET", "/openapi", null).body());
        Set<String> operations = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(method -> {
                if (Set.of("get", "put", "post", "delete", "patch", "head", "options").contains(method)) {
                    operations.add(method.toUpperCase() + " " + path.getKey());
                }
            });
        }
        return operations;
    }
}
