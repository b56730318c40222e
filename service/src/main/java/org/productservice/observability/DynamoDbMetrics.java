package org.productservice.observability;

import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.helidon.metrics.api.MeterRegistry;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

import org.productservice.dynamodb.Throttling;

/**
 * Measures every DynamoDB call of the client it is registered on, as its first execution
 * interceptor, so DynamoDB shows up next to the HTTP metrics at the metrics endpoint
 * ({@link DynamoDbMeters}, docs/METRICS.md):
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
 * never on a client's mistake.
 *
 * <p>An interceptor rather than the SDK's {@code MetricPublisher}: with a publisher configured the
 * SDK collects some twenty metrics into collector trees on every call and attempt, and that
 * collection cost a few percent of the service's CPU per request (docs/PERFORMANCE.md); without
 * one it uses a no-op collector. The interceptor's hooks give what the meters need: once per
 * call {@code beforeExecution} and {@code afterExecution} or {@code onExecutionFailure}, once per
 * attempt {@code beforeTransmission} and, when DynamoDB answered, {@code afterTransmission}. An
 * attempt that failed and was retried is seen as the next attempt's {@code beforeTransmission},
 * and the SDK gives no interceptor that attempt's exception: {@link DynamoDbCall} explains how
 * its error type is found.
 */
public final class DynamoDbMetrics implements ExecutionInterceptor {
    private static final ExecutionAttribute<DynamoDbCall> CALL = new ExecutionAttribute<>("ProductServiceDynamoDbMetricsCall");

    private final DynamoDbMeters meters;

    /**
     * Creates the interceptor.
     *
     * @param registry where the meters go
     */
    public DynamoDbMetrics(MeterRegistry registry) {
        this.meters = new DynamoDbMeters(registry);
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
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        attributes.putAttribute(CALL, new DynamoDbCall(meters.operation(operation == null ? "unknown" : operation)));
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        DynamoDbCall call = attributes.getAttribute(CALL);
        if (call == null) {
            return;
        }
        long now = System.nanoTime();
        if (call.attempts > 0) {
            // Only a failed attempt is followed by another one.
            call.meters.errors(call.retriedAttemptFailure(context.request(), attributes, now)).increment();
            call.meters.retries().increment();
        }
        call.attemptStarted(now);
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        DynamoDbCall call = attributes.getAttribute(CALL);
        if (call != null) {
            int status = context.httpResponse().statusCode();
            call.answered(status, status >= 400 ? context.httpResponse().firstMatchingHeader("x-amzn-ErrorType").orElse(null) : null);
        }
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        Optional<InputStream> body = context.responseBody();
        DynamoDbCall call = attributes.getAttribute(CALL);
        // Only error answers: a successful answer is passed through untouched.
        if (call == null || !call.answeredError() || body.isEmpty()) {
            return body;
        }
        return Optional.of(call.keepErrorBody(new ErrorAnswerBody(body.get())));
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        DynamoDbCall call = attributes.getAttribute(CALL);
        if (call == null || call.finished) {
            return;
        }
        call.finished = true;
        call.meters.calls("success").record(System.nanoTime() - call.start, TimeUnit.NANOSECONDS);
        if (context.response() instanceof QueryResponse query && query.scannedCount() != null) {
            meters.queryScanned().increment(query.scannedCount());
        } else if (context.response() instanceof ScanResponse scan && scan.scannedCount() != null) {
            meters.scanScanned().increment(scan.scannedCount());
        }
    }

    /**
     * A call that failed without an answer of its own (its time ran out, often during the backoff
     * after a throttled attempt, or its last attempt's I/O failed) after DynamoDB throttled it
     * carries the throttling answer as a suppressed exception, for {@link Throttling#throttled}.
     */
    @Override
    public Throwable modifyException(Context.FailedExecution context, ExecutionAttributes attributes) {
        Throwable failure = context.exception();
        DynamoDbCall call = attributes.getAttribute(CALL);
        if (call == null || failure instanceof SdkServiceException || !(failure instanceof SdkException)) {
            return failure;
        }
        AwsServiceException throttled = call.throttledAnswer();
        if (throttled != null) {
            failure.addSuppressed(throttled);
        }
        return failure;
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        DynamoDbCall call = attributes.getAttribute(CALL);
        if (call == null || call.finished) {
            return;
        }
        call.finished = true;
        Throwable failure = context.exception();
        String expected = failure instanceof AwsServiceException aws && aws.awsErrorDetails() != null
                ? expectedCondition(aws.awsErrorDetails().errorCode())
                : null;
        call.meters.calls(expected != null ? expected : "error").record(System.nanoTime() - call.start, TimeUnit.NANOSECONDS);
        // A call that failed before its first attempt (e.g. a request that cannot be marshalled) has no failed attempt.
        if (call.attempts > 0) {
            call.meters.errors(call.lastAttemptFailure(failure, expected)).increment();
        }
    }
}
