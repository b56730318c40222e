package org.productservice.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.helidon.metrics.api.Metrics;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.productservice.dynamodb.DynamoDbClients;
import org.productservice.dynamodb.DynamoDbSettings;
import org.productservice.observability.DynamoDbMetrics;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes whose answer from DynamoDB is lost after DynamoDB applied them: the SDK retries, the
 * retry fails its condition, and the service must still answer with the truth: the change as it
 * was written, or a 503 saying the outcome is unknown; never a 412 or 404.
 */
class LostWriteAnswersTest {
    // Long attempts: a test writes in the window between a lost answer and the SDK's retry.
    private static final Duration ATTEMPT = Duration.ofSeconds(3);
    private static final Map<String, String> TIMEOUTS = Map.of(
            "dynamodb.timeout.attempt", "PT3S",
            "dynamodb.timeout.call", "PT10S",
            "limits.deadline", "PT12S");

    private static FaultProxy proxy;
    private static RunningService service;
    private static RunningService direct;
    private static DynamoDbClient engine;
    private static String table;

    @BeforeAll
    static void start() {
        proxy = FaultProxy.start(TestEngine.get().endpoint());
        service = RunningService.start(proxy.endpoint(), TIMEOUTS);
        direct = service.sameTablesOn(TestEngine.get().endpoint());
        table = service.config().get("dynamodb.table.products").asString().get();
        // Straight to the engine, past the proxy: to see what was stored, and to store what the FastAPI service stored.
        engine = DynamoDbClients.create(DynamoDbSettings.create(direct.config().get("dynamodb"), 4),
                                        new DynamoDbMetrics(Metrics.globalRegistry()));
    }

    @AfterAll
    static void stop() {
        engine.close();
        direct.close();
        service.close();
        proxy.close();
    }

    @Test
    void replaceWhoseAnswerWasDroppedAnswersWithWhatItWrote() {
        String id = create();
        proxy.loseNextReplies("UpdateItem", 1, Duration.ZERO);

        Api.Response response = replace(id, "\"1\"", "ours");

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.header("ETag")).contains("\"2\"");
        assertThat(response.json().path("name").asText()).isEqualTo("ours");
        assertThat(service.api().get("/products/" + id).json()).isEqualTo(response.json());
    }

    @Test
    void replaceWithoutIfMatchWhoseAnswerWasDroppedAppliesOnce() {
        String id = create();
        proxy.loseNextReplies("UpdateItem", 1, Duration.ZERO);

        Api.Response response = replace(id, null, "ours");

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.json().path("version").asLong()).isEqualTo(2);
        assertThat(service.api().get("/products/" + id).json()).isEqualTo(response.json());
    }

    @Test
    void patchReplacedBeforeItsRetryStillAnswersWithWhatItWrote() throws Exception {
        String id = create();
        proxy.loseNextReplies("UpdateItem", 1, ATTEMPT.plusSeconds(2));
        CompletableFuture<Api.Response> patch = CompletableFuture.supplyAsync(() -> patch(service.api(), id, "\"1\"", "description", "ours"));
        awaitVersion(id, 2);
        Api.Response later = patch(direct.api(), id, "\"2\"", "description", "later");
        assertThat(later.status()).as("%s", later).isEqualTo(200);

        Api.Response response = patch.get(30, TimeUnit.SECONDS);

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.header("ETag")).contains("\"2\"");
        JsonNode product = response.json();
        assertThat(product.path("version").asLong()).isEqualTo(2);
        assertThat(product.path("name").asText()).isEqualTo("original");
        assertThat(product.path("description").asText()).isEqualTo("ours");
        assertThat(product.path("updated_at").asDouble()).isLessThanOrEqualTo(later.json().path("updated_at").asDouble());
    }

    @Test
    void patchWhoseUnsetFieldsWereReplacedBeforeItsRetryIsOutcomeUnknown() throws Exception {
        String id = create();
        proxy.loseNextReplies("UpdateItem", 1, ATTEMPT.plusSeconds(2));
        CompletableFuture<Api.Response> patch = CompletableFuture.supplyAsync(() -> patch(service.api(), id, "\"1\"", "description", "ours"));
        awaitVersion(id, 2);
        assertThat(patch(direct.api(), id, "\"2\"", "name", "later").status()).isEqualTo(200);

        assertOutcomeUnknown(patch.get(30, TimeUnit.SECONDS));
    }

    @Test
    void deleteWhoseAnswerWasDroppedIsOutcomeUnknownNot404() {
        String id = create();
        proxy.loseNextReplies("DeleteItem", 1, Duration.ZERO);

        assertOutcomeUnknown(service.api().send("DELETE", "/products/" + id, null, "If-Match", "\"1\""));
        assertThat(service.api().get("/products/" + id).status()).isEqualTo(404);
    }

    @Test
    void writeTokensStayOutOfTheApiAndOnlyTheLastFourAreKept() {
        String id = create();
        for (int i = 0; i < 6; i++) {
            assertThat(patch(service.api(), id, null, "description", "d" + i).status()).isEqualTo(200);
        }

        JsonNode product = service.api().get("/products/" + id).json();
        assertThat(product.properties()).extracting(Map.Entry::getKey)
                .containsExactlyInAnyOrder("id", "name", "description", "created_at", "updated_at", "version");
        assertThat(product.path("version").asLong()).isEqualTo(7);
        Map<String, AttributeValue> item = item(id);
        assertThat(item.keySet()).filteredOn(name -> name.startsWith("write_"))
                .containsExactlyInAnyOrder("write_0", "write_1", "write_2", "write_3");
    }

    @Test
    void itemsOfTheFastApiServiceWithoutVersionCanBeChanged() {
        String id = UUID.randomUUID().toString();
        engine.putItem(b -> b.tableName(table).item(Map.of(
                "id", AttributeValue.fromS(id),
                "name", AttributeValue.fromS("legacy"),
                "description", AttributeValue.fromS("from FastAPI"),
                "created_at", AttributeValue.fromN("1700000000.123"),
                "updated_at", AttributeValue.fromN("1700000000.123"))));

        Api.Response replaced = replace(id, "\"1\"", "ours");
        assertThat(replaced.status()).as("%s", replaced).isEqualTo(200);
        assertThat(replaced.json().path("version").asLong()).isEqualTo(2);
        Api.Response patched = patch(service.api(), id, null, "description", "patched");
        assertThat(patched.json().path("version").asLong()).isEqualTo(3);
        assertThat(patched.json().path("created_at").asDouble()).isEqualTo(1700000000.123);
    }

    private static void assertOutcomeUnknown(Api.Response response) {
        assertThat(response.status()).as("%s", response).isEqualTo(503);
        assertThat(response.header("Retry-After")).isPresent();
        assertThat(response.json().path("type").asText()).isEqualTo(History.OUTCOME_UNKNOWN);
        assertThat(response.json().path("detail").asText()).contains("Read the product");
    }

    private static String create() {
        return service.api().createProduct("original", "first").path("id").asText();
    }

    private static Api.Response replace(String id, String ifMatch, String name) {
        String body = Api.json(Map.of("name", name, "description", name));
        return ifMatch == null
                ? service.api().send("PUT", "/products/" + id, body, "Content-Type", "application/json")
                : service.api().send("PUT", "/products/" + id, body, "Content-Type", "application/json", "If-Match", ifMatch);
    }

    private static Api.Response patch(Api api, String id, String ifMatch, String field, String value) {
        String body = Api.json(Map.of(field, value));
        List<String> headers = ifMatch == null
                ? List.of("Content-Type", "application/merge-patch+json")
                : List.of("Content-Type", "application/merge-patch+json", "If-Match", ifMatch);
        return api.send("PATCH", "/products/" + id, body, headers.toArray(String[]::new));
    }

    private static Map<String, AttributeValue> item(String id) {
        return engine.getItem(b -> b.tableName(table).key(Map.of("id", AttributeValue.fromS(id))).consistentRead(true)).item();
    }

    /** Waits until the engine holds this version: the held answer's write has been applied. */
    private static void awaitVersion(String id, long version) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end) {
            AttributeValue stored = item(id).get("version");
            if (stored != null && Long.parseLong(stored.n()) >= version) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("version " + version + " of " + id + " never appeared");
    }
}
