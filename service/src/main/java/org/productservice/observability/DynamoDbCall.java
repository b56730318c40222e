package org.productservice.observability;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.SdkInternalExecutionAttribute;
import software.amazon.awssdk.core.internal.http.pipeline.stages.utils.RetryableStageHelper;

import org.productservice.dynamodb.Throttling;

/**
 * One DynamoDB call's progress through its attempts, kept in its execution attributes by
 * {@link DynamoDbMetrics}, and how each failed attempt is named as an error type. An SDK call
 * runs on one thread.
 */
final class DynamoDbCall {
    /**
     * An attempt without an answer that ran this close to its timeout counts as timed out: the
     * SDK starts the attempt's timer just before signing, a little before the interceptor sees
     * the attempt.
     */
    private static final long TIMEOUT_TOLERANCE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    final long start = System.nanoTime();
    final DynamoDbMeters.Operation meters;
    int attempts;
    boolean finished;
    private long attemptStart;
    // The current attempt's HTTP status, 0 until an answer arrives, and its error answer if any.
    private int status;
    private String errorTypeHeader;
    private ErrorAnswerBody errorBody;
    // The last retried attempt's throttling answer, if DynamoDB throttled the call.
    private AwsServiceException throttledAnswer;

    DynamoDbCall(DynamoDbMeters.Operation meters) {
        this.meters = meters;
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

    /** A new attempt starts, at {@code now}. */
    void attemptStarted(long now) {
        attempts++;
        attemptStart = now;
        status = 0;
        errorTypeHeader = null;
        errorBody = null;
    }

    /** The current attempt was answered. */
    void answered(int status, String errorTypeHeader) {
        this.status = status;
        this.errorTypeHeader = errorTypeHeader;
    }

    /** Whether the current attempt's answer is an error answer. */
    boolean answeredError() {
        return status >= 400;
    }

    /** Keeps the current attempt's error answer body as the SDK reads it. */
    ErrorAnswerBody keepErrorBody(ErrorAnswerBody body) {
        errorBody = body;
        return body;
    }

    /**
     * The error type of the current attempt, which failed and is being retried. The SDK hands
     * interceptors neither that attempt's exception nor its unmarshalled error, so the type comes
     * from what the attempt showed:
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
    String retriedAttemptFailure(SdkRequest request, ExecutionAttributes attributes, long now) {
        if (answeredWithError()) {
            String type = answerType(null);
            if (type.equals("throttling")) {
                throttledAnswer = Throttling.answer(status, errorCode());
            }
            return type;
        }
        Duration timeout = attemptTimeout(request, attributes);
        Duration backoff = attributes.getAttribute(RetryableStageHelper.LAST_BACKOFF_DELAY_DURATION);
        if (timeout == null || backoff == null) {
            return errorType("IO", 0, null);
        }
        long ran = now - attemptStart - backoff.toNanos();
        return errorType(ran >= timeout.toNanos() - TIMEOUT_TOLERANCE_NANOS ? "ConfiguredTimeout" : "IO", 0, null);
    }

    /** The error type of the failed call's last attempt, from the exception the call failed with. */
    String lastAttemptFailure(Throwable failure, String expected) {
        if (failure instanceof SdkServiceException answer) {
            return errorType(Throttling.throttled(answer) ? "Throttling" : "ServerError", answer.statusCode(), expected);
        }
        // The call ended after its last attempt's error answer, e.g. its timeout fired during the backoff.
        if (answeredWithError()) {
            return answerType(expected);
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

    /**
     * The throttling answer of this call, if DynamoDB throttled any of its attempts: the current
     * one's, else the last retried one's; null if none was throttled.
     */
    AwsServiceException throttledAnswer() {
        if (answeredWithError() && Throttling.isThrottlingAnswer(status, errorCode())) {
            return Throttling.answer(status, errorCode());
        }
        return throttledAnswer;
    }

    /** Whether the current attempt got an error answer that arrived whole (not cut by I/O or a timeout). */
    private boolean answeredWithError() {
        return status >= 400 && (errorBody == null || !errorBody.cutShort());
    }

    private String answerType(String expected) {
        return errorType(Throttling.isThrottlingAnswer(status, errorCode()) ? "Throttling" : "ServerError", status, expected);
    }

    /** DynamoDB's error code in the current attempt's error answer, or null. */
    private String errorCode() {
        return ErrorAnswerBody.errorCode(errorTypeHeader, errorBody);
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
}
