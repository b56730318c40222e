package org.productservice.browser;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Swagger UI at /docs, operated as a person would: expand an operation, "Try it out", fill in
 * parameters and body, "Execute", read what the page shows. Knows Swagger UI 5's markup and
 * nothing about this API, so tests (with or without a token) say what to call and check the answer.
 */
final class SwaggerUi {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final WebDriver driver;
    private final URI service;
    private final WebDriverWait wait;

    SwaggerUi(WebDriver driver, URI service) {
        this.driver = driver;
        this.service = service;
        this.wait = new WebDriverWait(driver, WAIT);
    }

    /** What the page shows after Execute: the live response and the URL it called. */
    record Shown(int status, String body, String requestUrl) {
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
        return new Shown(Integer.parseInt(status.getText().strip()), shownBody, requestUrl);
    }

    /** @return every URL the page loaded or called (the document, its assets, fetches) */
    List<String> requestedUrls() {
        @SuppressWarnings("unchecked")
        List<String> resources = (List<String>) ((JavascriptExecutor) driver).executeScript(
                "return performance.getEntriesByType('resource').map(e => e.name)"
                + ".concat(performance.getEntriesByType('navigation').map(e => e.name));");
        return resources;
    }

    private WebElement operation(String method, String path) {
        By selector = By.cssSelector(".opblock.opblock-" + method.toLowerCase(Locale.ROOT)
                                     + ":has(.opblock-summary-path[data-path='" + path + "'])");
        return wait.until(ExpectedConditions.presenceOfElementLocated(selector));
    }

    private static WebElement visible(WebElement scope, String css) {
        return scope.findElements(By.cssSelector(css)).stream().filter(WebElement::isDisplayed).findFirst().orElse(null);
    }
}
