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

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.http.HttpMetric;
import software.amazon.awssdk.metrics.MetricCategory;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricCollector;
import software.amazon.awssdk.metrics.MetricLevel;
import software.amazon.awssdk.metrics.MetricPublisher;
import software.amazon.awssdk.metrics.SdkMetric;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Bridges the AWS SDK's per-call metrics into the server's registry, so DynamoDB shows up next
 * to the HTTP metrics at the metrics endpoint:
 * <ul>
 *     <li>{@code dynamodb_client_calls_seconds} (histogram) by operation and outcome: whole calls, retries included;</li>
 *     <li>{@code dynamodb_client_retries_total} by operation;</li>
 *     <li>{@code dynamodb_client_errors_total} by operation and error type, per attempt;</li>
 *     <li>{@code dynamodb_client_items_scanned_total} by operation: items Query and Scan read, which shows
 *     read amplification (a list page should read about one page of items, whatever the table holds).</li>
 * </ul>
 * Expected answers are not errors of DynamoDB: a conditional-check failure (the 412 of a stale
 * update, the idempotency claim that finds its key taken) is the outcome
 * {@code condition_failed}, the start-up check's DescribeTable of a missing table is
 * {@code not_found}, and any other 4xx answer is {@code client}; only 5xx answers count as
 * {@code server}, so an alert on {@code server} or {@code throttling} fires on DynamoDB trouble,
 * never on a client's mistake. The counters an alert reads exist at zero from the start, so
 * that {@code rate()} works before the first event.
 */
public final class DynamoDbMetrics implements MetricPublisher, ExecutionInterceptor {
    /** Operations the service calls: their counters are registered at zero. */
    static final List<String> OPERATIONS = List.of("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                                                   "DescribeTable");
    /** Attempt error types that mean DynamoDB (or the way to it) is in trouble. */
    static final List<String> TROUBLE = List.of("throttling", "server", "io", "timeout");

    // The error code of a failed call, reported into the SDK's own metric collection by
    // onExecutionFailure so that publish() can tell expected answers from real errors.
    private static final SdkMetric<String> ERROR_CODE = SdkMetric.create("ProductServiceErrorCode", String.class,
                                                                         MetricLevel.ERROR, MetricCategory.CORE);

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
        for (String operation : OPERATIONS) {
            retries(operation);
            for (String type : TROUBLE) {
                errors(operation, type);
            }
        }
        scanned("Query");
        scanned("Scan");
    }

    @Override
    public void publish(MetricCollection call) {
        String operation = first(call, CoreMetric.OPERATION_NAME, "unknown");
        boolean successful = Boolean.TRUE.equals(first(call, CoreMetric.API_CALL_SUCCESSFUL, false));
        String expected = expectedCondition(first(call, ERROR_CODE, null));
        Duration duration = first(call, CoreMetric.API_CALL_DURATION, null);
        if (duration != null) {
            String outcome = successful ? "success" : expected != null ? expected : "error";
            timers.computeIfAbsent(new MeterKey("dynamodb.client.calls", operation, outcome), key -> registry.getOrCreate(
                            Timer.builder(key.name())
                                    .description("DynamoDB API calls, retries included, by operation and outcome")
                                    .tags(List.of(Tag.create("operation", operation), Tag.create("outcome", outcome)))
                                    .buckets(LatencyBuckets.bounds())))
                    .record(duration);
        }
        int retries = first(call, CoreMetric.RETRY_COUNT, 0);
        if (retries > 0) {
            retries(operation).increment(retries);
        }
        List<MetricCollection> attempts = call.children();
        for (int i = 0; i < attempts.size(); i++) {
            MetricCollection attempt = attempts.get(i);
            boolean last = i == attempts.size() - 1;
            for (String errorType : attempt.metricValues(CoreMetric.ERROR_TYPE)) {
                int status = first(attempt, HttpMetric.HTTP_STATUS_CODE, 0);
                errors(operation, errorType(errorType, status, last ? expected : null)).increment();
            }
        }
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes executionAttributes) {
        if (context.exception() instanceof AwsServiceException failure && failure.awsErrorDetails() != null
                && failure.awsErrorDetails().errorCode() != null) {
            MetricCollector collector = executionAttributes.getAttribute(SdkExecutionAttribute.API_CALL_METRIC_COLLECTOR);
            if (collector != null) {
                collector.reportMetric(ERROR_CODE, failure.awsErrorDetails().errorCode());
            }
        }
    }

    /**
     * The outcome label of an expected answer, or null for a real error.
     *
     * @param errorCode DynamoDB's error code, e.g. {@code ConditionalCheckFailedException}
     * @return {@code condition_failed}, {@code not_found} or null
     */
    public static String expectedCondition(String errorCode) {
        if (errorCode == null) {
            return null;
        }
        return switch (errorCode) {
            case "ConditionalCheckFailedException", "ConditionalCheckFailed" -> "condition_failed";
            case "ResourceNotFoundException" -> "not_found";
            default -> null;
        };
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes executionAttributes) {
        if (context.response() instanceof QueryResponse query && query.scannedCount() != null) {
            scanned("Query").increment(query.scannedCount());
        } else if (context.response() instanceof ScanResponse scan && scan.scannedCount() != null) {
            scanned("Scan").increment(scan.scannedCount());
        }
    }

    @Override
    public void close() {
        // The registry belongs to the server.
    }

    private Counter retries(String operation) {
        return counter("dynamodb.client.retries", "DynamoDB call attempts beyond the first", operation);
    }

    private Counter scanned(String operation) {
        return counter("dynamodb.client.items.scanned", "Items read by Query and Scan", operation);
    }

    private Counter errors(String operation, String type) {
        return counters.computeIfAbsent(new MeterKey("dynamodb.client.errors", operation, type), key -> registry.getOrCreate(
                Counter.builder(key.name())
                        .description("Failed DynamoDB attempts by operation and error type")
                        .tags(List.of(Tag.create("operation", operation), Tag.create("type", type)))));
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

    /**
     * An attempt's error type as a stable lower-case label. The SDK calls every answer of the
     * service "ServerError", 4xx included; the HTTP status and the call's error code split them.
     *
     * @param sdkType  the SDK's type ("Throttling", "ServerError", "IO", "Timeout"...)
     * @param status   HTTP status of the attempt, 0 if none
     * @param expected the call's expected condition (only for its last attempt), or null
     * @return throttling, server, io, timeout, condition_failed, not_found, client or other
     */
    static String errorType(String sdkType, int status, String expected) {
        return switch (sdkType) {
            case "Throttling" -> "throttling";
            case "ServerError" -> expected != null ? expected : status >= 400 && status < 500 ? "client" : "server";
            case "IO" -> "io";
            case "Timeout" -> "timeout";
            default -> sdkType.toLowerCase(Locale.ROOT);
        };
    }
}
