package org.productservice.observability;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.core.interceptor.SdkInternalExecutionAttribute;
import software.amazon.awssdk.core.internal.http.pipeline.stages.utils.RetryableStageHelper;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

import org.productservice.dynamodb.Throttling;

/**
 * Measures every DynamoDB call of the client it is registered on, as its first execution
 * interceptor, so DynamoDB shows up next to the HTTP metrics at the metrics endpoint:
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
 *
 * <p>An interceptor rather than the SDK's {@code MetricPublisher}: with a publisher configured the
 * SDK collects some twenty metrics into collector trees on every call and attempt, and that
 * collection cost a few percent of the service's CPU per request (docs/PERFORMANCE.md); without
 * one it uses a no-op collector. The interceptor's hooks give what the meters need: once per
 * call {@code beforeExecution} and {@code afterExecution} or {@code onExecutionFailure}, once per
 * attempt {@code beforeTransmission} and, when DynamoDB answered, {@code afterTransmission}. An
 * attempt that failed and was retried is seen as the next attempt's {@code beforeTransmission},
 * and the SDK gives no interceptor that attempt's exception: {@code attemptFailure} explains
 * how its error type is found.
 */
public final class DynamoDbMetrics implements ExecutionInterceptor {
    /** Operations the service calls: their counters are registered at zero. */
    static final List<String> OPERATIONS = List.of("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                                                   "DescribeTable");
    /** Attempt error types that mean DynamoDB (or the way to it) is in trouble. */
    static final List<String> TROUBLE = List.of("throttling", "server", "io", "timeout");

    /** Bytes of an error answer kept to read its error code: DynamoDB's error bodies are far smaller. */
    private static final int ERROR_BODY_KEPT = 4096;
    /**
     * An attempt without an answer that ran this close to its timeout counts as timed out: the
     * SDK starts the attempt's timer just before signing, a little before this interceptor sees
     * the attempt.
     */
    private static final long TIMEOUT_TOLERANCE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private static final ExecutionAttribute<Call> CALL = new ExecutionAttribute<>("ProductServiceDynamoDbMetricsCall");

    private final MeterRegistry registry;
    // Meters by operation, each built once: building a meter id per call is measurable CPU (docs/PERFORMANCE.md).
    private final Map<String, OperationMeters> operations = new ConcurrentHashMap<>();
    private final Counter queryScanned;
    private final Counter scanScanned;

    /**
     * Creates the interceptor.
     *
     * @param registry where the meters go
     */
    public DynamoDbMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (String operation : OPERATIONS) {
            OperationMeters meters = meters(operation);
            meters.retries();
            for (String type : TROUBLE) {
                meters.errors(type);
            }
        }
        queryScanned = scanned("Query");
        scanScanned = scanned("Scan");
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
        attributes.putAttribute(CALL, new Call(meters(operation == null ? "unknown" : operation)));
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        Call call = attributes.getAttribute(CALL);
        if (call == null) {
            return;
        }
        long now = System.nanoTime();
        if (call.attempts > 0) {
            // Only a failed attempt is followed by another one.
            String type = attemptFailure(call, context.request(), attributes, now);
            if (type.equals("throttling")) {
                call.throttledAnswer = Throttling.answer(call.status, call.errorCode());
            }
            call.meters.errors(type).increment();
            call.meters.retries().increment();
        }
        call.attempts++;
        call.attemptStart = now;
        call.status = 0;
        call.errorTypeHeader = null;
        call.errorBody = null;
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        Call call = attributes.getAttribute(CALL);
        if (call != null) {
            call.status = context.httpResponse().statusCode();
            if (call.status >= 400) {
                call.errorTypeHeader = context.httpResponse().firstMatchingHeader("x-amzn-ErrorType").orElse(null);
            }
        }
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        Optional<InputStream> body = context.responseBody();
        Call call = attributes.getAttribute(CALL);
        // Only error answers: a successful answer is passed through untouched.
        if (call == null || call.status < 400 || body.isEmpty()) {
            return body;
        }
        call.errorBody = new ErrorBody(body.get());
        return Optional.of(call.errorBody);
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        Call call = attributes.getAttribute(CALL);
        if (call == null || call.finished) {
            return;
        }
        call.finished = true;
        call.meters.calls("success").record(System.nanoTime() - call.start, TimeUnit.NANOSECONDS);
        if (context.response() instanceof QueryResponse query && query.scannedCount() != null) {
            queryScanned.increment(query.scannedCount());
        } else if (context.response() instanceof ScanResponse scan && scan.scannedCount() != null) {
            scanScanned.increment(scan.scannedCount());
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
        Call call = attributes.getAttribute(CALL);
        if (call == null || failure instanceof SdkServiceException || !(failure instanceof SdkException)) {
            return failure;
        }
        AwsServiceException throttled = call.answeredWithError() && Throttling.isThrottlingAnswer(call.status, call.errorCode())
                ? Throttling.answer(call.status, call.errorCode())
                : call.throttledAnswer;
        if (throttled != null) {
            failure.addSuppressed(throttled);
        }
        return failure;
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        Call call = attributes.getAttribute(CALL);
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
            call.meters.errors(lastAttemptFailure(call, failure, expected)).increment();
        }
    }

    /**
     * An attempt's error type as a stable lower-case label. The SDK calls every answer of the
     * service "ServerError", 4xx included; the HTTP status and the call's error code split them.
     *
     * @param sdkType  the kind of failure in the SDK's words ("Throttling", "ServerError", "IO",
     *                 "ConfiguredTimeout" or "Timeout", "Other")
     * @param status   HTTP status of the attempt, 0 if none
     * @param expected the call's expected condition (only for its last attempt), or null
     * @return throttling, server, io, timeout, condition_failed, not_found, client or other
     */
    static String errorType(String sdkType, int status, String expected) {
        return switch (sdkType) {
            case "Throttling" -> "throttling";
            case "ServerError" -> expected != null ? expected : status >= 400 && status < 500 ? "client" : "server";
            case "IO" -> "io";
            case "ConfiguredTimeout", "Timeout" -> "timeout";
            default -> sdkType.toLowerCase(Locale.ROOT);
        };
    }

    /**
     * DynamoDB's error code in an error answer, read as the SDK's JSON protocol reads it: the
     * {@code x-amzn-ErrorType} header if present (up to its first colon), else the body's
     * {@code __type} (after its last {@code #}).
     *
     * @param header the {@code x-amzn-ErrorType} header, or null
     * @param body   the start of the answer's body
     * @param length how many bytes of {@code body} were read
     * @return e.g. {@code ProvisionedThroughputExceededException}, or null if the answer names none
     */
    static String errorCode(String header, byte[] body, int length) {
        if (header != null && !header.isBlank()) {
            int colon = header.indexOf(':');
            return (colon < 0 ? header : header.substring(0, colon)).strip();
        }
        String text = new String(body, 0, length, StandardCharsets.UTF_8);
        int field = text.indexOf("\"__type\"");
        if (field < 0) {
            return null;
        }
        int colon = text.indexOf(':', field + 8);
        int open = colon < 0 ? -1 : text.indexOf('"', colon + 1);
        int close = open < 0 ? -1 : text.indexOf('"', open + 1);
        if (close < 0 || !text.substring(field + 8, colon).isBlank() || !text.substring(colon + 1, open).isBlank()) {
            return null;
        }
        String type = text.substring(open + 1, close);
        return type.substring(type.lastIndexOf('#') + 1);
    }

    /**
     * The error type of an attempt that was retried. The SDK hands interceptors neither that
     * attempt's exception nor its unmarshalled error, so the type comes from what the attempt
     * showed this interceptor:
     * <ul>
     *     <li>an error answer: its HTTP status, and DynamoDB's error code read from the answer as
     *     the SDK read it (DynamoDB throttles with a 400 and a throttling code), judged by the SDK's
     *     own throttling rule ({@link Throttling});</li>
     *     <li>no answer, or an answer cut short: the SDK retries an attempt that failed on I/O or
     *     on its attempt timeout. The timeout fires only once the attempt has run for
     *     {@code dynamodb.timeout.attempt}, and an I/O failure ends an attempt earlier, so the time
     *     from this attempt's start to the next one, less the SDK's backoff between them, tells
     *     them apart. Both the client's attempt timeout and that backoff are read where the SDK
     *     keeps them for the call; if either is missing the attempt counts as {@code io}.</li>
     * </ul>
     */
    private static String attemptFailure(Call call, SdkRequest request, ExecutionAttributes attributes, long now) {
        if (call.answeredWithError()) {
            return answerType(call.status, call.errorCode(), null);
        }
        Duration timeout = attemptTimeout(request, attributes);
        Duration backoff = attributes.getAttribute(RetryableStageHelper.LAST_BACKOFF_DELAY_DURATION);
        if (timeout == null || backoff == null) {
            return errorType("IO", 0, null);
        }
        long ran = now - call.attemptStart - backoff.toNanos();
        return errorType(ran >= timeout.toNanos() - TIMEOUT_TOLERANCE_NANOS ? "ConfiguredTimeout" : "IO", 0, null);
    }

    /** The error type of a failed call's last attempt, from the exception the call failed with. */
    private static String lastAttemptFailure(Call call, Throwable failure, String expected) {
        if (failure instanceof SdkServiceException answer) {
            return errorType(Throttling.throttled(answer) ? "Throttling" : "ServerError", answer.statusCode(), expected);
        }
        // The call ended after its last attempt's error answer, e.g. its timeout fired during the backoff.
        if (call.answeredWithError()) {
            return answerType(call.status, call.errorCode(), expected);
        }
        if (failure instanceof ApiCallTimeoutException || failure instanceof ApiCallAttemptTimeoutException) {
            return errorType("ConfiguredTimeout", 0, null);
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException) {
                return errorType("IO", 0, null);
            }
        }
        return errorType("Other", 0, null);
    }

    private static String answerType(int status, String errorCode, String expected) {
        return errorType(Throttling.isThrottlingAnswer(status, errorCode) ? "Throttling" : "ServerError", status, expected);
    }

    /** The attempt timeout the SDK applied: the request's own, else the client's. */
    private static Duration attemptTimeout(SdkRequest request, ExecutionAttributes attributes) {
        if (request instanceof AwsRequest aws) {
            Optional<Duration> own = aws.overrideConfiguration().flatMap(AwsRequestOverrideConfiguration::apiCallAttemptTimeout);
            if (own.isPresent()) {
                return own.get();
            }
        }
        SdkClient client = attributes.getAttribute(SdkInternalExecutionAttribute.SDK_CLIENT);
        if (client == null) {
            return null;
        }
        return client.serviceClientConfiguration().overrideConfiguration().apiCallAttemptTimeout().orElse(null);
    }

    private OperationMeters meters(String operation) {
        OperationMeters meters = operations.get(operation);
        return meters != null ? meters : operations.computeIfAbsent(operation, OperationMeters::new);
    }

    private Counter scanned(String operation) {
        return registry.getOrCreate(Counter.builder("dynamodb.client.items.scanned")
                                            .description("Items read by Query and Scan")
                                            .tags(List.of(Tag.create("operation", operation))));
    }

    /** One call's progress, kept in its execution attributes; an SDK call runs on one thread. */
    private static final class Call {
        private final long start = System.nanoTime();
        private final OperationMeters meters;
        private int attempts;
        private long attemptStart;
        // The current attempt's HTTP status, 0 until an answer arrives, and its error answer if any.
        private int status;
        private String errorTypeHeader;
        private ErrorBody errorBody;
        // The last retried attempt's throttling answer, if DynamoDB throttled the call.
        private AwsServiceException throttledAnswer;
        private boolean finished;

        Call(OperationMeters meters) {
            this.meters = meters;
        }

        /** Whether the current attempt got an error answer that arrived whole (not cut by I/O or a timeout). */
        boolean answeredWithError() {
            return status >= 400 && (errorBody == null || !errorBody.failed);
        }

        /** DynamoDB's error code in the current attempt's error answer, or null. */
        String errorCode() {
            return DynamoDbMetrics.errorCode(errorTypeHeader, errorBody == null ? new byte[0] : errorBody.kept,
                                             errorBody == null ? 0 : errorBody.length);
        }
    }

    /**
     * An error answer's body as the SDK reads it, its start kept for {@link #errorCode}; a read
     * that fails marks the answer as cut short.
     */
    private static final class ErrorBody extends FilterInputStream {
        private final byte[] kept = new byte[ERROR_BODY_KEPT];
        private int length;
        private boolean failed;

        ErrorBody(InputStream body) {
            super(body);
        }

        @Override
        public int read() throws IOException {
            try {
                int b = super.read();
                if (b >= 0 && length < kept.length) {
                    kept[length++] = (byte) b;
                }
                return b;
            } catch (IOException e) {
                failed = true;
                throw e;
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int count) throws IOException {
            try {
                int read = super.read(buffer, offset, count);
                if (read > 0 && length < kept.length) {
                    int copied = Math.min(read, kept.length - length);
                    System.arraycopy(buffer, offset, kept, length, copied);
                    length += copied;
                }
                return read;
            } catch (IOException e) {
                failed = true;
                throw e;
            }
        }
    }

    /** The meters of one operation, each registered on first use (the alerting ones at construction). */
    private final class OperationMeters {
        private final String operation;
        private final Map<String, Timer> calls = new ConcurrentHashMap<>();
        private final Map<String, Counter> errors = new ConcurrentHashMap<>();
        private volatile Counter retries;

        OperationMeters(String operation) {
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
