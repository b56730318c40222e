package org.productservice;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.productservice.testing.Problems.assertProblem;

/** Queries by name and the list of all products: order, paging, cursors, and the cost of a page. */
class ProductListTest {
    @AutoClose
    private static final RunningService SERVICE = RunningService.start(Map.of());

    private final Api api = SERVICE.api();
    private final Api admin = SERVICE.admin();

    @Test
    void queryByNameWalksEveryProductOnceNewestFirstThenOldestFirst() throws InterruptedException {
        String name = unique("shelf");
        List<String> created = createMany(name, 25);

        List<String> newestFirst = walk("/products?name=" + name + "&limit=10", 3);
        assertThat(newestFirst).containsExactlyElementsOf(reversed(created));
        List<String> oldestFirst = walk("/products?name=" + name + "&order=asc&limit=10", 3);
        assertThat(oldestFirst).containsExactlyElementsOf(created);
        assertThat(walk("/products?name=" + name + "&order=desc", 2)).containsExactlyElementsOf(reversed(created));
    }

    @Test
    void anExactMultipleOfThePageSizeEndsWithoutAnEmptyPage() throws InterruptedException {
        String name = unique("table");
        List<String> created = createMany(name, 20);

        JsonNode first = api.get("/products?name=" + name + "&limit=10").json();
        assertThat(first.path("items")).hasSize(10);
        JsonNode second = api.get("/products?name=" + name + "&limit=10&cursor=" + first.path("next_cursor").asText()).json();
        assertThat(second.path("items")).hasSize(10);
        assertThat(second.has("next_cursor")).isFalse();
        JsonNode exact = api.get("/products?name=" + name + "&limit=20").json();
        assertThat(exact.path("items")).hasSize(20);
        assertThat(exact.has("next_cursor")).isFalse();
        assertThat(walk("/products?name=" + name + "&limit=5", 4)).containsExactlyElementsOf(reversed(created));
    }

    @Test
    void anUnknownNameGivesAnEmptyPage() {
        JsonNode page = api.get("/products?name=" + unique("nothing")).json();
        assertThat(page.path("items")).isEmpty();
        assertThat(page.has("next_cursor")).isFalse();
    }

    @Test
    void anUpdateMovesTheProductToTheTopOfItsNameAndRenamesMoveItAcross() throws InterruptedException {
        String name = unique("rug");
        List<String> created = createMany(name, 3);
        String oldest = created.getFirst();
        Thread.sleep(3);
        api.send("PATCH", "/products/" + oldest, "{\"description\": \"changed\"}", "Content-Type", "application/merge-patch+json");
        assertThat(ids(api.get("/products?name=" + name).json())).containsExactly(oldest, created.get(2), created.get(1));

        String other = unique("carpet");
        api.send("PATCH", "/products/" + oldest, Api.json(Map.of("name", other)), "Content-Type", "application/merge-patch+json");
        assertThat(ids(api.get("/products?name=" + name).json())).containsExactly(created.get(2), created.get(1));
        assertThat(ids(api.get("/products?name=" + other).json())).containsExactly(oldest);
    }

    @Test
    void theListOfAllProductsWalksEveryProductOnce() throws InterruptedException {
        Set<String> all = new HashSet<>(walkAll("/products?limit=100"));
        String name = unique("all");
        List<String> created = createMany(name, 12);

        List<String> walked = walkAll("/products?limit=4");
        assertThat(walked).doesNotHaveDuplicates();
        assertThat(walked).containsAll(created).containsAll(all);
        assertThat(walked).hasSize(all.size() + created.size());
    }

    @Test
    void aQueryReadsOnePageOfTheIndexHoweverManyProductsHaveOtherNames() throws InterruptedException {
        String name = unique("needle");
        createMany(name, 30);
        for (int i = 0; i < 150; i++) {
            api.createProduct(unique("hay"), "other");
        }
        double queriesBefore = meter("dynamodb_client_calls_seconds_count", "Query");
        double scannedBefore = meter("dynamodb_client_items_scanned_total", "Query");

        JsonNode page = api.get("/products?name=" + name + "&limit=10").json();

        assertThat(page.path("items")).hasSize(10);
        assertThat(meter("dynamodb_client_calls_seconds_count", "Query") - queriesBefore).isEqualTo(1);
        // One page plus the one item that tells whether another page follows.
        assertThat(meter("dynamodb_client_items_scanned_total", "Query") - scannedBefore).isEqualTo(11);
    }

    @Test
    void tamperedTruncatedAndForeignCursorsAre400() throws InterruptedException {
        String name = unique("lamp");
        createMany(name, 3);
        String cursor = api.get("/products?name=" + name + "&limit=1").json().path("next_cursor").asText();
        String allCursor = api.get("/products?limit=1").json().path("next_cursor").asText();
        assertThat(cursor).isNotEmpty();
        assertThat(allCursor).isNotEmpty();

        int middle = cursor.indexOf('.') + 5;
        String tampered = cursor.substring(0, middle) + (cursor.charAt(middle) == 'A' ? 'B' : 'A') + cursor.substring(middle + 1);
        char last = cursor.charAt(cursor.length() - 1);
        String lastCharChanged = cursor.substring(0, cursor.length() - 1) + (last == 'A' ? 'B' : 'A');
        String payloadTampered = (cursor.charAt(0) == 'A' ? 'B' : 'A') + cursor.substring(1);
        for (String bad : List.of(tampered, lastCharChanged, payloadTampered, cursor.substring(0, cursor.length() / 2), "x", "....",
                                  "%00", "a".repeat(600))) {
            assertProblem(api.get("/products?name=" + name + "&limit=1&cursor=" + bad), 400, "cursor");
        }
        // Foreign: another name, the other order, the other list.
        assertProblem(api.get("/products?name=" + unique("other") + "&limit=1&cursor=" + cursor), 400, "cursor");
        assertProblem(api.get("/products?name=" + name + "&order=asc&limit=1&cursor=" + cursor), 400, "cursor");
        assertProblem(api.get("/products?limit=1&cursor=" + cursor), 400, "cursor");
        assertProblem(api.get("/products?name=" + name + "&limit=1&cursor=" + allCursor), 400, "cursor");
        // The genuine cursor still works.
        assertThat(api.get("/products?name=" + name + "&limit=1&cursor=" + cursor).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"limit=0", "limit=101", "limit=-1", "limit=abc", "limit=", "limit=1.5", "limit=99999999999",
                            "order=up", "name=x&order=ASC", "order=asc", "name=", "name=%20%20", "cursor=",
                            "sort=name", "name=a&name=b", "limit=1&limit=2"})
    void badQueryParametersAre400(String query) {
        Api.Response response = api.get("/products?" + query);
        JsonNode problem = assertProblem(response, 400);
        assertThat(problem.path("errors")).isNotEmpty();
    }

    @Test
    void limitDefaultsToTwenty() throws InterruptedException {
        String name = unique("cup");
        createMany(name, 21);
        JsonNode page = api.get("/products?name=" + name).json();
        assertThat(page.path("items")).hasSize(20);
        assertThat(page.path("next_cursor").asText()).isNotEmpty();
        assertThat(api.get("/products?name=" + name + "&limit=100").json().path("items")).hasSize(21);
    }

    private List<String> createMany(String name, int count) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(api.createProduct(name, "item " + i).path("id").asText());
            // Distinct updated_at per product, so the expected order is unambiguous.
            Thread.sleep(2);
        }
        return ids;
    }

    /** Follows next_cursor to the end, checking the number of pages. */
    private List<String> walk(String firstPage, int expectedPages) {
        List<String> ids = new ArrayList<>();
        String path = firstPage;
        int pages = 0;
        while (path != null) {
            Api.Response response = api.get(path);
            assertThat(response.status()).as("%s", response).isEqualTo(200);
            JsonNode page = response.json();
            pages++;
            assertThat(page.path("items")).as("page %d of %s", pages, firstPage).isNotEmpty();
            ids.addAll(ids(page));
            path = page.has("next_cursor") ? firstPage + "&cursor=" + page.path("next_cursor").asText() : null;
        }
        assertThat(pages).isEqualTo(expectedPages);
        return ids;
    }

    private List<String> walkAll(String firstPage) {
        List<String> ids = new ArrayList<>();
        String path = firstPage;
        for (int pages = 0; path != null && pages < 1000; pages++) {
            JsonNode page = api.get(path).json();
            ids.addAll(ids(page));
            path = page.has("next_cursor") ? firstPage + "&cursor=" + page.path("next_cursor").asText() : null;
        }
        return ids;
    }

    private static List<String> ids(JsonNode page) {
        return page.path("items").findValuesAsText("id");
    }

    private double meter(String name, String operation) {
        String metrics = admin.get("/observe/metrics", "Accept", "text/plain").body();
        Matcher matcher = Pattern.compile("(?m)^" + name + "\\{[^}]*operation=\"" + operation + "\"[^}]*} ([0-9.E]+)").matcher(metrics);
        double total = 0;
        while (matcher.find()) {
            total += Double.parseDouble(matcher.group(1));
        }
        return total;
    }

    private static List<String> reversed(List<String> ids) {
        List<String> copy = new ArrayList<>(ids);
        java.util.Collections.reverse(copy);
        return copy;
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
