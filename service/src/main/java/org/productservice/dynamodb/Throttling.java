package org.productservice.dynamodb;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryUtils;

/**
 * The one rule that says DynamoDB throttled a call: the SDK's own
 * ({@link RetryUtils#isThrottlingException}, HTTP 429 or a throttling error code such as
 * {@code ProvisionedThroughputExceededException}), the rule its retry strategy applied to the
 * attempts. The metrics, the 503 answers and the alerts all read it here, so they cannot disagree.
 *
 * <p>A call whose time ran out while the SDK was backing off after a throttled attempt fails with
 * a timeout, not with the throttling answer. The metrics interceptor, which sees every attempt,
 * then adds that answer to the call's exception as a suppressed {@link #answer}, so that the
 * call still reads as throttled: the client should back off, not wonder about a slow network.
 */
public final class Throttling {
    private Throttling() {
    }

    /**
     * Whether a failed call was throttled: its own exception is a throttling answer, or it ended
     * on a timeout or an I/O failure after a throttled attempt.
     *
     * @param failure the exception the call failed with
     * @return whether DynamoDB throttled the call
     */
    public static boolean throttled(SdkException failure) {
        if (RetryUtils.isThrottlingException(failure)) {
            return true;
        }
        for (Throwable attempt : failure.getSuppressed()) {
            if (attempt instanceof SdkException sdk && RetryUtils.isThrottlingException(sdk)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the SDK treats an answer as throttling. Its list of codes is internal API, so the
     * question is put to an exception built for the purpose ({@link #answer}).
     *
     * @param status    the answer's HTTP status
     * @param errorCode DynamoDB's error code in the answer, or null
     * @return whether the answer is throttling
     */
    public static boolean isThrottlingAnswer(int status, String errorCode) {
        return RetryUtils.isThrottlingException(answer(status, errorCode));
    }

    /**
     * An attempt's error answer as the SDK's exception, without a stack trace: what an
     * interceptor, which never gets a retried attempt's exception, can tell of it.
     *
     * @param status    the answer's HTTP status
     * @param errorCode DynamoDB's error code in the answer, or null
     * @return the exception
     */
    public static AwsServiceException answer(int status, String errorCode) {
        AwsServiceException.Builder answer = AwsServiceException.builder();
        // writableStackTrace returns the SDK's base builder type, so it is not chained.
        answer.writableStackTrace(false);
        return answer.message("An attempt was answered " + status + " " + errorCode)
                .statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(errorCode).build())
                .build();
    }
}
