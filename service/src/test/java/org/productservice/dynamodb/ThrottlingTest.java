package org.productservice.dynamodb;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.productservice.http.StorageFailures;

import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one throttling rule, as the 503 answers read it: the SDK's codes, and a call whose time ran
 * out after a throttled attempt.
 */
class ThrottlingTest {
    private final StorageFailures failures = new StorageFailures(Duration.ofSeconds(1));

    @ParameterizedTest
    @ValueSource(strings = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
            "TransactionInProgressException"})
    void dynamoDbsThrottlingCodesAreThrottling(String code) {
        assertThat(Throttling.isThrottlingAnswer(400, code)).isTrue();
        assertThat(failures.classify(Throttling.answer(400, code))).isEqualTo(new StorageFailures.Failure(true, "throttled"));
    }

    @Test
    void http429IsThrottlingWhateverTheCode() {
        assertThat(Throttling.isThrottlingAnswer(429, null)).isTrue();
    }

    @Test
    void otherClientErrorsAreNotThrottling() {
        assertThat(Throttling.isThrottlingAnswer(400, "ValidationException")).isFalse();
        assertThat(failures.classify(Throttling.answer(400, "ValidationException")))
                .isEqualTo(new StorageFailures.Failure(false, "unexpected"));
    }

    @Test
    void aCallTimeoutAfterAThrottledAttemptIsThrottled() {
        ApiCallTimeoutException timeout = ApiCallTimeoutException.create(3000);
        assertThat(failures.classify(timeout)).isEqualTo(new StorageFailures.Failure(true, "timeout"));

        timeout.addSuppressed(Throttling.answer(400, "ProvisionedThroughputExceededException"));
        assertThat(Throttling.throttled(timeout)).isTrue();
        assertThat(failures.classify(timeout)).isEqualTo(new StorageFailures.Failure(true, "throttled"));
    }

    @Test
    void theSdksOwnAttemptHistoryIsNotThrottling() {
        // The SDK adds earlier attempts as suppressed client exceptions carrying only their message.
        SdkClientException unreachable = SdkClientException.create("connection refused");
        unreachable.addSuppressed(SdkClientException.create("Request attempt 1 failure: ThrottlingException"));
        assertThat(failures.classify(unreachable)).isEqualTo(new StorageFailures.Failure(true, "unreachable"));
    }
}
