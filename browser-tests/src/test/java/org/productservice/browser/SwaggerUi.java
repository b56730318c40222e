package org.productservice.browser;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Swagger UI at /docs, operated as a person would: expand an operation, "Try it out", fill in
 * parameters and body, "Execute", read what the page shows. Knows Swagger UI 5's markup and
 * nothing about this API, so tests (with or without a token) say what to call and check the answer.
 */
final class SwaggerUi {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /**
     * Compares a body the page shows with one the service sent. Swagger UI re-formats JSON bodies
     * through JavaScript numbers, so the service's 1.79607979E9 (a timestamp on a whole second) is
     * shown as 1796079790: numbers are compared by value, everything else exactly.
     */
    static boolean sameJson(JsonNode shown, JsonNode sent) {
        return shown.equals(SwaggerUi::compareValues, sent);
    }

    private final WebDriver driver;
    private final URI service;
    private final WebDriverWait wait;

    SwaggerUi(WebDriver driver, URI service) {
        this.driver = driver;
        this.service = service;
        this.wait = new WebDriverWait(driver, WAIT);
    }

    /**
     * What the page shows after Execute: the live response and the URL it called.
     *
     * @param status the status code shown
     * @param body the response body shown
     * @param requestUrl the URL the page called
     * @param headers the response headers shown, names in lower case as Swagger UI prints them
     * @param curl the equivalent curl command the page shows: the request's headers as sent
     */
    record Shown(int status, String body, String requestUrl, Map<String, String> headers, String curl) {
    }

    /** Opens /docs and waits until the document's operations are rendered. */
    void open() {
        driver.get(service.resolve("/docs").toString());
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".opblock .opblock-summary-path")));
    }

    /** @return the operations the page renders, as "METHOD /path" */
    Set<String> renderedOperations() {
        return driver.findElements(By.cssSelector(".opblock")).stream()
                .map(block -> block.findElement(By.cssSelector(".opblock-summary-method")).getText().strip().toUpperCase(Locale.ROOT)
                              + " " + block.findElement(By.cssSelector(".opblock-summary-path")).getDomAttribute("data-path"))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /**
     * Runs one operation through the page.
     *
     * @param method HTTP method, e.g. "POST"
     * @param path the documented path, e.g. "/products/{id}"
     * @param parameters parameter values by name (path, query and header parameters)
     * @param body the request body to type in, or null
     * @return the status, body and request URL the page shows
     */
    Shown tryItOut(String method, String path, Map<String, String> parameters, String body) {
        WebElement operation = operation(method, path);
        if (operation.findElements(By.cssSelector(".opblock-body")).isEmpty()) {
            operation.findElement(By.cssSelector(".opblock-summary")).click();
        }
        WebElement tryOut = wait.until(d -> visible(operation, "button.try-out__btn"));
        if (!tryOut.getText().toLowerCase(Locale.ROOT).contains("cancel")) {
            tryOut.click();
        }
        parameters.forEach((name, value) -> {
            WebElement input = wait.until(d -> visible(operation, "tr[data-param-name='" + name + "'] input"));
            input.sendKeys(Keys.chord(Keys.CONTROL, "a"), value);
        });
        if (body != null) {
            WebElement text = wait.until(d -> visible(operation, "textarea.body-param__text"));
            text.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            text.sendKeys(body);
        }
        // A previous run's answer stays on the page until the new one replaces it.
        operation.findElements(By.cssSelector("button.btn-clear")).forEach(WebElement::click);
        wait.until(d -> visible(operation, "button.execute")).click();
        WebElement status = wait.until(d -> visible(operation, ".live-responses-table .response .response-col_status"));
        String shownBody = wait.until(d -> {
            List<WebElement> code = operation.findElements(By.cssSelector(".live-responses-table .response-col_description pre"));
            return code.isEmpty() ? null : code.getFirst().getText();
        });
        String requestUrl = operation.findElement(By.cssSelector(".request-url pre")).getText().strip();
        Map<String, String> headers = new TreeMap<>();
        for (WebElement line : operation.findElements(By.cssSelector(".live-responses-table .response-col_description .headerline"))) {
            String text = line.getText().strip();
            int colon = text.indexOf(':');
            headers.put(text.substring(0, colon).strip(), text.substring(colon + 1).strip());
        }
        String curl = operation.findElement(By.cssSelector(".responses-wrapper .curl")).getText();
        return new Shown(Integer.parseInt(status.getText().strip()), shownBody, requestUrl, headers, curl);
    }

    /**
     * Authorizes through the page's Authorize dialog, as a person pastes a token: opens it, types
     * the token into the scheme's bearer field, applies it and closes the dialog. Try it out then
     * sends it on every operation that names the scheme, until the page is reloaded.
     *
     * @param scheme the security scheme's name in the document, e.g. "bearerAuth"
     * @param token the bearer token, without "Bearer "
     * @param screenshot file name for a screenshot of the filled dialog
     */
    void authorize(String scheme, String token, String screenshot) {
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".auth-wrapper button.authorize"))).click();
        WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".dialog-ux .modal-ux")));
        WebElement form = wait.until(d -> dialog.findElements(By.cssSelector(".auth-container")).stream()
                .filter(c -> c.findElements(By.cssSelector("h4 code")).stream().anyMatch(code -> code.getText().strip().equals(scheme)))
                .findFirst().orElse(null));
        form.findElement(By.cssSelector("input[aria-label='auth-bearer-value']")).sendKeys(token);
        Chromium.screenshot(driver, screenshot);
        form.findElement(By.cssSelector("button.modal-btn.authorize")).click();
        // Applied: the form shows "Authorized" and offers Logout instead of its field.
        wait.until(d -> form.findElements(By.cssSelector("h6")).stream().anyMatch(h -> h.getText().contains("Authorized")));
        dialog.findElement(By.cssSelector("button.btn-done")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".dialog-ux .modal-ux")));
    }

    /** @return whether the page's Authorize button shows the locked padlock (a token is applied) */
    boolean authorized() {
        String classes = driver.findElement(By.cssSelector(".auth-wrapper button.authorize")).getDomAttribute("class");
        return Set.of(classes.split("\\s+")).contains("locked");
    }

    /**
     * @return every URL the page fetched over the network (the document, its assets, fetches).
     *     Inline {@code data:} and {@code blob:} URLs (Swagger's CSS draws its icons as
     *     {@code data:image/svg+xml}) are left out: Chromium lists them as resources, but they are
     *     requests to nowhere.
     */
    List<String> requestedUrls() {
        @SuppressWarnings("unchecked")
        List<String> resources = (List<String>) ((JavascriptExecutor) driver).executeScript(
                "return performance.getEntriesByType('resource').map(e => e.name)"
                + ".concat(performance.getEntriesByType('navigation').map(e => e.name));");
        return resources.stream().filter(url -> !url.startsWith("data:") && !url.startsWith("blob:")).toList();
    }

    private WebElement operation(String method, String path) {
        By selector = By.cssSelector(".opblock.opblock-" + method.toLowerCase(Locale.ROOT)
                                     + ":has(.opblock-summary-path[data-path='" + path + "'])");
        return wait.until(ExpectedConditions.presenceOfElementLocated(selector));
    }

    private static int compareValues(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    }

    private static WebElement visible(WebElement scope, String css) {
        return scope.findElements(By.cssSelector(css)).stream().filter(WebElement::isDisplayed).findFirst().orElse(null);
    }
}
