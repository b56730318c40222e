package org.productservice.browser;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page of `make admin` (dynamodb-admin) on the engine the service writes to: after a POST
 * through the API, the product table is listed and the new item is on its page.
 * Screenshots: target/screenshots/admin-*.png.
 */
class DynamoDbAdminTest {
    /** application.yaml's dynamodb.table.products. */
    private static final String PRODUCT_TABLE = "product-table";

    private static LocalStack stack;
    private static WebDriver browser;

    @BeforeAll
    static void start() {
        browser = Chromium.start();
        stack = LocalStack.start(Map.of());
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
    void aProductPostedThroughTheApiIsVisibleInItsTable() throws Exception {
        HttpResponse<String> created = stack.call("POST", "/products", "{\"name\": \"Kettle\", \"description\": \"seen by the admin UI\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode product = new ObjectMapper().readTree(created.body());
        String id = product.path("id").asText();
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));

        browser.get(stack.admin().toString() + "/");
        WebElement table = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#table-list [data-table-name='" + PRODUCT_TABLE + "']")));
        Chromium.screenshot(browser, "admin-tables");
        assertThat(table.getText()).contains(PRODUCT_TABLE);

        browser.get(stack.admin() + "/tables/" + PRODUCT_TABLE);
        WebElement items = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#items-container tr")));
        wait.until(d -> d.findElement(By.id("items-container")).getText().contains(id));
        Chromium.screenshot(browser, "admin-items");
        String shown = browser.findElement(By.id("items-container")).getText();
        assertThat(shown).contains(id, "Kettle", "seen by the admin UI");
        assertThat(items.isDisplayed()).isTrue();
    }
}
