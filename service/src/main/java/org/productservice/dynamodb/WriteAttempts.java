package org.productservice.dynamodb;

import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * What DynamoDB made of each attempt of one write call, as far as the service can know. The SDK
 * retries a write whose attempt timed out or lost its connection, and hides those attempts from
 * the caller; yet such an attempt may well have been applied, and a retry that then fails its
 * condition says nothing about it. This record tells the caller whether an attempt may have
 * applied:
 * <ul>
 *     <li>an attempt DynamoDB answered with a 4xx (a failed condition, throttling, validation) did
 *     not apply;</li>
 *     <li>any other attempt may have: no answer (attempt timeout, reset connection), a 5xx (DynamoDB
 *     documents that the request may or may not have succeeded), or a 2xx whose body was lost.</li>
 * </ul>
 * An attempt counts from the moment the SDK is about to send it, so one refused before it left
 * (the request deadline) or failing to connect counts as "may have applied": unknown is the
 * safe side.
 *
 * <p>Created per call, attached to the request with {@link #attachTo}, and filled in by the
 * {@link Recorder} that {@link DynamoDbClients} registers on the client. A synchronous call runs
 * its interceptors on the caller's thread, so the record needs no synchronisation.
 */
public final class WriteAttempts {
    private static final ExecutionAttribute<WriteAttempts> ATTRIBUTE = new ExecutionAttribute<>("ProductServiceWriteAttempts");

    private int attempts;
    // Finished attempts (all but the current one) that may have applied.
    private int earlierUnsettled;
    // The current attempt's HTTP status; 0 until DynamoDB answers it.
    private int status;

    /**
     * Attaches this record to a request, which must be used for one call only.
     *
     * @param request the request
     * @param <R>     its type
     * @return a copy of the request that carries the record
     */
    @SuppressWarnings("unchecked")
    public <R extends AwsRequest> R attachTo(R request) {
        return (R) request.toBuilder()
                .overrideConfiguration(request.overrideConfiguration()
                                               .map(o -> o.toBuilder().putExecutionAttribute(ATTRIBUTE, this).build())
                                               .orElseGet(() -> AwsRequestOverrideConfiguration.builder()
                                                       .putExecutionAttribute(ATTRIBUTE, this).build()))
                .build();
    }

    /**
     * Whether an attempt before the last one may have applied: the question to ask when the call
     * failed with DynamoDB's answer to its last attempt (e.g. a failed condition).
     *
     * @return true if an earlier attempt may have applied
     */
    public boolean earlierMayHaveApplied() {
        return earlierUnsettled > 0;
    }

    /**
     * Whether any attempt may have applied: the question to ask when the call failed without a
     * refusal from DynamoDB (its time ran out, the connection failed).
     *
     * @return true if some attempt may have applied
     */
    public boolean anyMayHaveApplied() {
        return earlierUnsettled > 0 || (attempts > 0 && !refused(status));
    }

    private void attemptStarting() {
        if (attempts > 0 && !refused(status)) {
            earlierUnsettled++;
        }
        attempts++;
        status = 0;
    }

    private static boolean refused(int status) {
        return status >= 400 && status < 500;
    }

    /**
     * Fills in the {@link WriteAttempts} of the calls that carry one; does nothing on other calls.
     * Registered last on the client, after the interceptor that may refuse an attempt before it is sent.
     */
    public static final class Recorder implements ExecutionInterceptor {
        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            WriteAttempts attempts = attributes.getAttribute(ATTRIBUTE);
            if (attempts != null) {
                attempts.attemptStarting();
            }
        }

        @Override
        public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
            WriteAttempts attempts = attributes.getAttribute(ATTRIBUTE);
            if (attempts != null) {
                attempts.status = context.httpResponse().statusCode();
            }
        }
    }
}
