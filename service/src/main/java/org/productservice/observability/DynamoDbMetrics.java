package org.productservice.observability;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Bridges the AWS SDK's per-call metrics into the server's registry, so DynamoDB shows up next
 * to the HTTP metrics at the metrics endpoint:
 * <ul>
 *     <li>{@code dynamodb_client_calls_seconds} (histogram) by operation and outcome: whole calls, retries included;</li>
 *     <li>{@code dynamodb_client_retries_total} by operation;</li>
 *     <li>{@code dynamodb_client_errors_total} by operation and error type (throttling, server, io, timeout, other), per attempt;</li>
 *     <li>{@code dynamodb_client_items_scanned_total} by operation: items Query and Scan read, which shows
 *     read amplification (a list page should read about one page of items, whatever the table holds).</li>
 * </ul>
 */
public final class DynamoDbMetrics implements MetricPublisher, ExecutionInterceptor {

    private final MeterRegistry registry;
    // Meters by name and tags, built once: building a meter id per call is measurable CPU (docs/PERFORMANCE.md).
    private final Map<MeterKey, Timer> timers = new ConcurrentHashMap<>();
    private final Map<MeterKey, Counter> counters = new ConcurrentHashMap<>();

    /**
     * Creates the bridge.
     *
     * @param registry where the meters go
     */
    public DynamoDbMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void publish(MetricCollection call) {
        String operation = first(call, CoreMetric.OPERATION_NAME, "unknown");
        boolean successful = Boolean.TRUE.equals(first(call, CoreMetric.API_CALL_SUCCESSFUL, false));
        Duration duration = first(call, CoreMetric.API_CALL_DURATION, null);
        if (duration != null) {
            String outcome = successful ? "success" : "error";
            timers.computeIfAbsent(new MeterKey("dynamodb.client.calls", operation, outcome), key -> registry.getOrCreate(
                            Timer.builder(key.name())
                                    .description("DynamoDB API calls, retries included, by operation and outcome")
                                    .tags(List.of(Tag.create("operation", operation), Tag.create("outcome", outcome)))
                                    .buckets(LatencyBuckets.bounds())))
                    .record(duration);
        }
        int retries = first(call, CoreMetric.RETRY_COUNT, 0);
        if (retries > 0) {
            counter("dynamodb.client.retries", "DynamoDB call attempts beyond the first", operation).increment(retries);
        }
        for (MetricCollection attempt : call.children()) {
            for (String errorType : attempt.metricValues(CoreMetric.ERROR_TYPE)) {
                String type = errorType(errorType);
                counters.computeIfAbsent(new MeterKey("dynamodb.client.errors", operation, type), key -> registry.getOrCreate(
                                Counter.builder(key.name())
                                        .description("Failed DynamoDB attempts by operation and error type")
                                        .tags(List.of(Tag.create("operation", operation), Tag.create("type", type)))))
                        .increment();
            }
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes executionAttributes) {
        if (context.response() instanceof QueryResponse query && query.scannedCount() != null) {
            counter("dynamodb.client.items.scanned", "Items read by Query and Scan", "Query").increment(query.scannedCount());
        } else if (context.response() instanceof ScanResponse scan && scan.scannedCount() != null) {
            counter("dynamodb.client.items.scanned", "Items read by Query and Scan", "Scan").increment(scan.scannedCount());
        }
    }

    @Override
    public void close() {
        // The registry belongs to the server.
    }

    private Counter counter(String name, String description, String operation) {
        return counters.computeIfAbsent(new MeterKey(name, operation, ""), key -> registry.getOrCreate(
                Counter.builder(name)
                        .description(description)
                        .tags(List.of(Tag.create("operation", operation)))));
    }

    /** A meter's name and tag values ({@code detail}: the outcome or error type, empty if none). */
    private record MeterKey(String name, String operation, String detail) {
    }

    private static <T> T first(MetricCollection collection, software.amazon.awssdk.metrics.SdkMetric<T> metric, T fallback) {
        List<T> values = collection.metricValues(metric);
        return values.isEmpty() ? fallback : values.getFirst();
    }

    /** The SDK's error types ("Throttling", "ServerError", "IO", "Timeout"...) as stable lower-case labels. */
    private static String errorType(String sdkType) {
        return switch (sdkType) {
            case "Throttling" -> "throttling";
            case "ServerError" -> "server";
            case "IO" -> "io";
            case "Timeout" -> "timeout";
            default -> sdkType.toLowerCase(Locale.ROOT);
        };
    }
}
