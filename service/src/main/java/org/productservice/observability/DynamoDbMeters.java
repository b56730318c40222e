package org.productservice.observability;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * The meters {@link DynamoDbMetrics} records into (docs/METRICS.md):
 * {@code dynamodb_client_calls_seconds}, {@code dynamodb_client_retries_total},
 * {@code dynamodb_client_errors_total} and {@code dynamodb_client_items_scanned_total}. The
 * counters an alert reads exist at zero from the start, so that {@code rate()} works before the
 * first event. Each meter is built once: building a meter id per call is measurable CPU
 * (docs/PERFORMANCE.md).
 */
final class DynamoDbMeters {
    /** Operations the service calls: their counters are registered at zero. */
    static final List<String> OPERATIONS = List.of("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                                                   "DescribeTable");
    /** Attempt error types that mean DynamoDB (or the way to it) is in trouble. */
    static final List<String> TROUBLE = List.of("throttling", "server", "io", "timeout");

    private final MeterRegistry registry;
    private final Map<String, Operation> operations = new ConcurrentHashMap<>();
    private final Counter queryScanned;
    private final Counter scanScanned;

    DynamoDbMeters(MeterRegistry registry) {
        this.registry = registry;
        for (String operation : OPERATIONS) {
            Operation meters = operation(operation);
            meters.retries();
            for (String type : TROUBLE) {
                meters.errors(type);
            }
        }
        queryScanned = scanned("Query");
        scanScanned = scanned("Scan");
    }

    /** The meters of one operation, e.g. {@code GetItem}. */
    Operation operation(String operation) {
        Operation meters = operations.get(operation);
        return meters != null ? meters : operations.computeIfAbsent(operation, Operation::new);
    }

    /** Items a Query read. */
    Counter queryScanned() {
        return queryScanned;
    }

    /** Items a Scan read. */
    Counter scanScanned() {
        return scanScanned;
    }

    private Counter scanned(String operation) {
        return registry.getOrCreate(Counter.builder("dynamodb.client.items.scanned")
                                            .description("Items read by Query and Scan")
                                            .tags(List.of(Tag.create("operation", operation))));
    }

    /** The meters of one operation, each registered on first use (the alerting ones at construction). */
    final class Operation {
        private final String operation;
        private final Map<String, Timer> calls = new ConcurrentHashMap<>();
        private final Map<String, Counter> errors = new ConcurrentHashMap<>();
        private volatile Counter retries;

        private Operation(String operation) {
            this.operation = operation;
        }

        Timer calls(String outcome) {
            Timer timer = calls.get(outcome);
            return timer != null ? timer : calls.computeIfAbsent(outcome, key -> registry.getOrCreate(
                    Timer.builder("dynamodb.client.calls")
                            .description("DynamoDB API calls, retries included, by operation and outcome")
                            .tags(List.of(Tag.create("operation", operation), Tag.create("outcome", key)))
                            .buckets(LatencyBuckets.bounds())));
        }

        Counter errors(String type) {
            Counter counter = errors.get(type);
            return counter != null ? counter : errors.computeIfAbsent(type, key -> registry.getOrCreate(
                    Counter.builder("dynamodb.client.errors")
                            .description("Failed DynamoDB attempts by operation and error type")
                            .tags(List.of(Tag.create("operation", operation), Tag.create("type", key)))));
        }

        Counter retries() {
            Counter counter = retries;
            if (counter == null) {
                // getOrCreate returns the registered counter to a racing second caller.
                counter = registry.getOrCreate(Counter.builder("dynamodb.client.retries")
                                                       .description("DynamoDB call attempts beyond the first")
                                                       .tags(List.of(Tag.create("operation", operation))));
                retries = counter;
            }
            return counter;
        }
    }
}
