package org.productservice.http;

import java.time.Duration;

import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

import org.productservice.dynamodb.Throttling;

/**
 * Tells DynamoDB failures that a client should retry later (503) from the ones that are a bug
 * here (500). The SDK has already retried the transient ones with backoff by the time a
 * handler sees them.
 */
public final class StorageFailures {
    private final Duration retryAfter;

    /**
     * Creates the classifier.
     *
     * @param retryAfter value of the Retry-After header on 503 answers
     */
    public StorageFailures(Duration retryAfter) {
        this.retryAfter = retryAfter;
    }

    /**
     * Delay suggested to clients in Retry-After.
     *
     * @return delay
     */
    public Duration retryAfter() {
        return retryAfter;
    }

    /**
     * Classifies a failure.
     *
     * @param e the SDK's exception
     * @return whether it is transient, and a short reason for the client
     */
    public Failure classify(SdkException e) {
        // First: a call whose time ran out while backing off from throttling was throttled (Throttling).
        if (Throttling.throttled(e)) {
            return new Failure(true, "throttled");
        }
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            return new Failure(true, "timeout");
        }
        if (e instanceof SdkClientException) {
            // Connection refused or reset, DNS, socket timeouts: DynamoDB could not be reached.
            return new Failure(true, "unreachable");
        }
        if (e instanceof ResourceNotFoundException) {
            // The table is missing or still being created: the service is not ready.
            return new Failure(true, "table unavailable");
        }
        if (e instanceof AwsServiceException service && service.statusCode() >= 500) {
            return new Failure(true, "server error");
        }
        return new Failure(false, "unexpected");
    }

    /**
     * Outcome of a classification.
     *
     * @param transientFailure whether a retry later may succeed
     * @param reason           short reason, safe to show to clients
     */
    public record Failure(boolean transientFailure, String reason) {
    }
}
