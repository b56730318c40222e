package org.productservice.browser;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebDriver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Swagger UI at /docs of a service with auth on (auth.mode=jwt, keys of an issuer started for this
 * run), in headless Chromium: without a token "Try it out" shows the 401 and its bearer challenge;
 * with a token pasted into the Authorize dialog the page creates and reads a product; a token
 * without the write scope is shown the 403. The dialog works under the page's
 * Content-Security-Policy. Screenshots: target/screenshots/swagger-auth-*.png.
 */
class SwaggerUiAuthTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEME = "bearerAuth";
    private static final String CHALLENGE = "Bearer realm=\"product-service\"";

    private static TokenIssuer issuer;
    private static LocalStack stack;
    private static WebDriver browser;
    private static SwaggerUi page;

    @BeforeAll
    static void start() {
        browser = Chromium.start();
        issuer = TokenIssuer.start();
        stack = LocalStack.start(issuer.serviceSettings(), issuer.token("browser-test-setup", "products.read products.write"));
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
        if (issuer != null) {
            issuer.close();
        }
    }

    @Test
    void withoutATokenTryItOutShowsThe401AndTheBearerChallenge() throws Exception {
        page.open();
        assertThat(page.authorized()).isFalse();

        SwaggerUi.Shown listed = page.tryItOut("GET", "/products", Map.of(), null);
        Chromium.screenshot(browser, "swagger-auth-401");

        assertThat(listed.status()).as("shown: %s", listed).isEqualTo(401);
        assertThat(listed.requestUrl()).isEqualTo(stack.service() + "/products?order=desc&limit=20");
        assertThat(listed.curl()).doesNotContainIgnoringCase("authorization");
        assertThat(listed.headers()).containsEntry("www-authenticate", CHALLENGE)
                .containsEntry("content-type", "application/problem+json");
        JsonNode problem = JSON.readTree(listed.body());
        assertThat(fieldNames(problem)).containsExactlyInAnyOrder("type", "title", "status", "detail", "instance", "request_id");
        assertThat(problem.path("type").asText()).isEqualTo("about:blank");
        assertThat(problem.path("status").asInt()).isEqualTo(401);
        assertThat(problem.path("title").asText()).isEqualTo("Unauthorized");
        assertThat(problem.path("instance").asText()).isEqualTo("/products");
        assertThat(problem.path("detail").asText()).isEqualTo("A bearer token is required: send Authorization: Bearer <access token>.");
        assertThat(problem.path("request_id").asText()).isEqualTo(listed.headers().get("x-request-id")).isNotBlank();
        // The console channel the CSP check of the dialog relies on does report: here the refused call.
        assertThat(console()).anySatisfy(message -> assertThat(message).contains("/products", "401"));
    }

    @Test
    void aTokenWithBothScopesAuthorizedInTheDialogCreatesAndReadsAProduct() throws Exception {
        page.open();
        String token = issuer.token("browser-user", "products.read products.write");
        page.authorize(SCHEME, token, "swagger-auth-dialog");
        assertThat(page.authorized()).isTrue();
        // The dialog works under /docs's Content-Security-Policy: nothing was refused.
        assertThat(cspViolations()).isEmpty();

        SwaggerUi.Shown created = page.tryItOut("POST", "/products", Map.of(),
                                                "{\"name\": \"Desk\", \"description\": \"created with a token\"}");
        Chromium.screenshot(browser, "swagger-auth-create");
        assertThat(created.status()).as("shown: %s", created).isEqualTo(201);
        assertThat(created.requestUrl()).isEqualTo(stack.service() + "/products");
        // The token typed into the dialog is what the page sent.
        assertThat(created.curl()).contains("Authorization: Bearer " + token);
        JsonNode product = JSON.readTree(created.body());
        assertThat(product.path("name").asText()).isEqualTo("Desk");
        assertThat(product.path("description").asText()).isEqualTo("created with a token");
        assertThat(product.path("version").asInt()).isEqualTo(1);
        String id = product.path("id").asText();
        assertThat(id).matches("[0-9a-f-]{36}");
        assertThat(created.headers()).containsEntry("location", "/products/" + id);

        SwaggerUi.Shown read = page.tryItOut("GET", "/products/{id}", Map.of("id", id), null);
        Chromium.screenshot(browser, "swagger-auth-read");
        assertThat(read.status()).as("shown: %s", read).isEqualTo(200);
        assertThat(read.requestUrl()).isEqualTo(stack.service() + "/products/" + id);
        assertSameJson(JSON.readTree(read.body()), product);

        // What the page showed is what the service stored.
        assertSameJson(JSON.readTree(stack.call("GET", "/products/" + id, null).body()), product);
    }

    @Test
    void aTokenWithOnlyTheReadScopeIsShownThe403OnCreateAndStillReads() throws Exception {
        JsonNode existing = JSON.readTree(stack.call("POST", "/products", "{\"name\": \"Shelf\", \"description\": \"read only\"}").body());
        page.open();
        page.authorize(SCHEME, issuer.token("browser-reader", "products.read"), "swagger-auth-dialog-read-only");

        SwaggerUi.Shown refused = page.tryItOut("POST", "/products", Map.of(),
                                                "{\"name\": \"Forbidden shelf\", \"description\": \"never stored\"}");
        Chromium.screenshot(browser, "swagger-auth-403");
        assertThat(refused.status()).as("shown: %s", refused).isEqualTo(403);
        assertThat(refused.headers())
                // Swagger UI splits a header's value at its commas and joins the parts with ",".
                .containsEntry("www-authenticate", CHALLENGE + ",error=\"insufficient_scope\",scope=\"products.write\"")
                .containsEntry("content-type", "application/problem+json");
        JsonNode problem = JSON.readTree(refused.body());
        assertThat(problem.path("status").asInt()).isEqualTo(403);
        assertThat(problem.path("title").asText()).isEqualTo("Forbidden");
        assertThat(problem.path("detail").asText()).isEqualTo("The token lacks the scope products.write that this call needs.");

        SwaggerUi.Shown read = page.tryItOut("GET", "/products/{id}", Map.of("id", existing.path("id").asText()), null);
        assertThat(read.status()).as("shown: %s", read).isEqualTo(200);
        assertSameJson(JSON.readTree(read.body()), existing);
        // The refused create stored nothing.
        JsonNode named = JSON.readTree(stack.call("GET", "/products?name=Forbidden%20shelf", null).body());
        assertThat(named.path("items")).isEmpty();
    }

    private static void assertSameJson(JsonNode actual, JsonNode expected) {
        assertThat(SwaggerUi.sameJson(actual, expected)).as("%s is %s", actual, expected).isTrue();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Chromium reports each resource or script a Content-Security-Policy refused in the console. */
    private static List<String> cspViolations() {
        return console().stream().filter(message -> message.contains("Content Security Policy")).toList();
    }

    private static List<String> console() {
        return Chromium.console(browser);
    }
}
