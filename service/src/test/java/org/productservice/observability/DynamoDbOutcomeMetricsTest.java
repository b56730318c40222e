package org.productservice.observability;

import java.util.Map;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.MetricSamples;
import org.productservice.testing.RunningService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DynamoDB metrics an alert can trust, read from the real metrics endpoint after real calls:
 * expected answers (a stale update's conditional-check failure, a replayed idempotency claim,
 * the start-up check of tables that do not exist yet) are outcomes of their own, never
 * {@code server} errors, and the alerting counters exist at zero before any event.
 */
class DynamoDbOutcomeMetricsTest {

    @AutoClose
    private static final RunningService SERVICE = RunningService.start(Map.of());

    private final Api api = SERVICE.api();
    private final Api admin = SERVICE.admin();

    @Test
    void alertingCountersExistAtZeroBeforeAnyEvent() {
        Map<String, Double> samples = scrape();
        for (String operation : DynamoDbMeters.OPERATIONS) {
            assertThat(samples).containsKey("dynamodb_client_retries_total{operation=" + operation + "}");
            for (String type : DynamoDbMeters.TROUBLE) {
                assertThat(samples).containsKey("dynamodb_client_errors_total{operation=" + operation + ",type=" + type + "}");
            }
        }
        // The registry is the JVM's global one, shared with the other test classes of this fork, so
        // the values may have moved; what matters for rate() is that the series exist before any event.
        assertThat(samples).containsKey("dynamodb_client_items_scanned_total{operation=Scan}")
                .containsKey("dynamodb_client_items_scanned_total{operation=Query}");
    }

    @Test
    void aStaleUpdatesConditionalCheckIsItsOwnOutcomeNotAServerError() {
        String id = api.createProduct("Kettle", "steel").path("id").asText();
        Map<String, Double> before = scrape();
        Api.Response stale = api.send("PUT", "/products/" + id, "{\"name\": \"Kettle\", \"description\": \"copper\"}",
                                      "Content-Type", "application/json", "If-Match", "\"7\"");
        assertThat(stale.status()).isEqualTo(412);
        Map<String, Double> after = scrape();

        assertThat(delta(before, after, "dynamodb_client_errors_total{operation=UpdateItem,type=condition_failed}")).isEqualTo(1.0);
        assertThat(delta(before, after, "dynamodb_client_calls_seconds_count{operation=UpdateItem,outcome=condition_failed}"))
                .isEqualTo(1.0);
        assertThat(delta(before, after, "dynamodb_client_errors_total{operation=UpdateItem,type=server}")).isZero();
        assertThat(delta(before, after, "dynamodb_client_calls_seconds_count{operation=UpdateItem,outcome=error}")).isZero();
    }

    @Test
    void aReplayedIdempotencyClaimIsAnExpectedCondition() {
        String body = "{\"name\": \"Toaster\", \"description\": \"two slots\"}";
        String key = java.util.UUID.randomUUID().toString();
        assertThat(api.create(body, "Idempotency-Key", key).status()).isEqualTo(201);
        Map<String, Double> before = scrape();
        assertThat(api.create(body, "Idempotency-Key", key).status()).isEqualTo(201);
        Map<String, Double> after = scrape();

        assertThat(delta(before, after, "dynamodb_client_calls_seconds_count{operation=PutItem,outcome=condition_failed}"))
                .isEqualTo(1.0);
        assertThat(delta(before, after, "dynamodb_client_errors_total{operation=PutItem,type=server}")).isZero();
    }

    @Test
    void theStartUpCheckOfMissingTablesIsNotFoundNotAServerError() {
        // The server of this class created its tables at start: DescribeTable answered "not found" first.
        Map<String, Double> samples = scrape();
        assertThat(samples.get("dynamodb_client_calls_seconds_count{operation=DescribeTable,outcome=not_found}")).isPositive();
        assertThat(samples).containsEntry("dynamodb_client_errors_total{operation=DescribeTable,type=server}", 0.0);
    }

    @Test
    void attemptErrorTypesSplitTheSdksServerErrorByStatusAndCondition() {
        assertThat(DynamoDbCall.errorType("ServerError", 500, null)).isEqualTo("server");
        assertThat(DynamoDbCall.errorType("ServerError", 0, null)).isEqualTo("server");
        assertThat(DynamoDbCall.errorType("ServerError", 400, null)).isEqualTo("client");
        assertThat(DynamoDbCall.errorType("ServerError", 400, "condition_failed")).isEqualTo("condition_failed");
        assertThat(DynamoDbCall.errorType("Throttling", 400, null)).isEqualTo("throttling");
        assertThat(DynamoDbCall.errorType("IO", 0, null)).isEqualTo("io");
        assertThat(DynamoDbCall.errorType("Timeout", 0, null)).isEqualTo("timeout");
        assertThat(DynamoDbMetrics.expectedCondition("ConditionalCheckFailedException")).isEqualTo("condition_failed");
        assertThat(DynamoDbMetrics.expectedCondition("ResourceNotFoundException")).isEqualTo("not_found");
        assertThat(DynamoDbMetrics.expectedCondition("ValidationException")).isNull();
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String key) {
        return after.getOrDefault(key, 0.0) - before.getOrDefault(key, 0.0);
    }

    /** The metrics endpoint's samples, keyed by name and sorted labels without quotes (Helidon's scope left out). */
    private Map<String, Double> scrape() {
        return MetricSamples.scrape(admin).asMap();
    }
}
