package org.productservice.deadline;

import java.time.Duration;

import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Gives each DynamoDB call of a request only the time its {@link RequestDeadline} has left: the
 * call's timeout (all its attempts and retries) becomes the smaller of
 * {@code dynamodb.timeout.call} and that time. A call that would start with nothing left is
 * refused before anything is sent, with the SDK's own {@link ApiCallTimeoutException}, which
 * the error handling already answers with 503 and Retry-After. Calls outside a request keep the
 * client's timeouts.
 *
 * <p>The refusal happens in {@code beforeTransmission}, inside the SDK's pipeline, rather than in
 * {@code modifyRequest}: there the failure reaches every interceptor's {@code onExecutionFailure},
 * so the call's trace span and outcome metric are closed like any other timeout's. It also
 * stops a retry from starting once the deadline has passed.
 */
public final class DeadlineInterceptor implements ExecutionInterceptor {
    /** Shortest timeout handed to the SDK, which takes whole milliseconds and reads 0 as no timeout at all. */
    private static final Duration AT_LEAST = Duration.ofMillis(1);

    private final Duration callTimeout;

    /**
     * Creates the interceptor.
     *
     * @param callTimeout the client's timeout of one call ({@code dynamodb.timeout.call})
     */
    public DeadlineInterceptor(Duration callTimeout) {
        this.callTimeout = callTimeout;
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        var budget = RequestDeadline.current();
        if (budget.isEmpty() || !(request instanceof AwsRequest aws)) {
            return request;
        }
        Duration remaining = budget.get().remaining();
        Duration own = aws.overrideConfiguration().flatMap(AwsRequestOverrideConfiguration::apiCallTimeout).orElse(callTimeout);
        if (remaining.compareTo(own) >= 0) {
            return request;
        }
        if (!remaining.isPositive()) {
            // Refused in beforeTransmission, with a message that names the deadline; a 1 ms timer
            // here could fire first and hide it behind the SDK's generic timeout message.
            return request;
        }
        AwsRequestOverrideConfiguration override = aws.overrideConfiguration()
                .map(AwsRequestOverrideConfiguration::toBuilder)
                .orElseGet(AwsRequestOverrideConfiguration::builder)
                .apiCallTimeout(remaining.compareTo(AT_LEAST) > 0 ? remaining : AT_LEAST)
                .build();
        return aws.toBuilder().overrideConfiguration(override).build();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        var budget = RequestDeadline.current();
        if (budget.isPresent() && budget.get().passed()) {
            throw ApiCallTimeoutException.builder()
                    .message("The request deadline passed before DynamoDB "
                                     + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME) + " could be sent")
                    .build();
        }
    }
}
