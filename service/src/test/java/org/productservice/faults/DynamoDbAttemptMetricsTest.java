package org.productservice.faults;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.MetricSamples;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.productservice.faults.DynamoDbFaultTest.assertUnavailable;

/**
 * The DynamoDB metrics of calls whose attempts fail the ways DynamoDB fails, read from the
 * metrics endpoint: every failed attempt counted once under its own type (the retried ones as
 * well as the last), every attempt beyond the first a retry, and the whole call one observation
 * of its outcome. The proxy answers for the engine, so these are the SDK's real retries.
 */
class DynamoDbAttemptMetricsTest {
    private static final String GET_CALLS = "dynamodb_client_calls_seconds_count{operation=GetItem,outcome=%s}";
    private static final String GET_ERRORS = "dynamodb_client_errors_total{operation=GetItem,type=%s}";
    private static final String GET_RETRIES = "dynamodb_client_retries_total{operation=GetItem}";

    private static FaultProxy proxy;
    private static RunningService service;
    private static String id;

    @BeforeAll
    static void start() {
        proxy = FaultProxy.start(TestEngine.get().endpoint());
        service = RunningService.start(proxy.endpoint(), DynamoDbFaultTest.SHIPPED_TIMEOUTS);
        id = service.api().createProduct("attempts", "counted").path("id").asText();
    }

    @AfterAll
    static void stop() {
        service.close();
        proxy.close();
    }

    @AfterEach
    void engineBack() {
        proxy.pass();
    }

    @Test
    void throttledAttemptsOfACallThatThenSucceedsAreThrottlingErrorsAndRetries() {
        proxy.clearRecords();
        proxy.answerErrors(2, 400, "ProvisionedThroughputExceededException");
        MetricSamples before = scrape();
        Api.Response read = service.api().get("/products/" + id);
        MetricSamples after = scrape();

        assertThat(read.status()).as("%s", read).isEqualTo(200);
        assertThat(read.json().path("id").asText()).isEqualTo(id);
        assertThat(proxy.throttledCount()).isEqualTo(2);
        assertThat(after.since(before, GET_ERRORS.formatted("throttling"))).isEqualTo(2.0);
        assertThat(after.since(before, GET_RETRIES)).isEqualTo(2.0);
        assertThat(after.since(before, GET_CALLS.formatted("success"))).isEqualTo(1.0);
        assertThat(after.since(before, GET_CALLS.formatted("error"))).isZero();
        assertThat(after.since(before, GET_ERRORS.formatted("client"))).isZero();
        assertThat(after.since(before, GET_ERRORS.formatted("server"))).isZero();
    }

    @Test
    void aServerErrorThatIsRetriedIsAServerErrorOfItsAttempt() {
        proxy.answerErrors(1, 500, "InternalServerError");
        MetricSamples before = scrape();
        Api.Response read = service.api().get("/products/" + id);
        MetricSamples after = scrape();

        assertThat(read.status()).as("%s", read).isEqualTo(200);
        assertThat(after.since(before, GET_ERRORS.formatted("server"))).isEqualTo(1.0);
        assertThat(after.since(before, GET_RETRIES)).isEqualTo(1.0);
        assertThat(after.since(before, GET_CALLS.formatted("success"))).isEqualTo(1.0);
        assertThat(after.since(before, GET_ERRORS.formatted("throttling"))).isZero();
    }

    @Test
    void aCallThrottledOnEveryAttemptCountsEachAttemptAndOneFailedCall() {
        proxy.throttle("ThrottlingException");
        MetricSamples before = scrape();
        Api.Response read = service.api().get("/products/" + id);
        MetricSamples after = scrape();

        assertThat(assertUnavailable(read).path("detail").asText()).contains("throttled");
        // dynamodb.retry.attempts is 3, but on a busy machine the call's 3 s may run out during the
        // second backoff (up to 2 s): then two attempts, both throttled, and no timeout.
        double throttled = after.since(before, GET_ERRORS.formatted("throttling"));
        assertThat(throttled).isBetween(2.0, 3.0);
        assertThat(after.since(before, GET_RETRIES)).isEqualTo(throttled - 1);
        assertThat(after.since(before, GET_ERRORS.formatted("timeout"))).isZero();
        assertThat(after.since(before, GET_CALLS.formatted("error"))).isEqualTo(1.0);
        assertThat(after.since(before, GET_ERRORS.formatted("client"))).isZero();
    }

    @Test
    void attemptsEndedByTheirTimeoutAreTimeoutsNotIoErrors() {
        // Attempt timeout 1.5 s, call timeout 3 s: the first attempt times out and is retried, the
        // call's timeout ends the second.
        proxy.delay(Duration.ofSeconds(5));
        MetricSamples before = scrape();
        Api.Response read = service.api().get("/products/" + id);
        MetricSamples after = scrape();

        assertThat(assertUnavailable(read).path("detail").asText()).contains("timeout");
        assertThat(after.since(before, GET_ERRORS.formatted("timeout"))).isEqualTo(2.0);
        assertThat(after.since(before, GET_RETRIES)).isEqualTo(1.0);
        assertThat(after.since(before, GET_CALLS.formatted("error"))).isEqualTo(1.0);
        assertThat(after.since(before, GET_ERRORS.formatted("io"))).isZero();
    }

    @Test
    void refusedConnectionsAreIoErrorsOfEveryAttempt() {
        proxy.refuse();
        MetricSamples before = scrape();
        Api.Response read = service.api().get("/products/" + id);
        MetricSamples after = scrape();

        assertUnavailable(read);
        assertThat(after.since(before, GET_ERRORS.formatted("io"))).isEqualTo(3.0);
        assertThat(after.since(before, GET_RETRIES)).isEqualTo(2.0);
        assertThat(after.since(before, GET_CALLS.formatted("error"))).isEqualTo(1.0);
        assertThat(after.since(before, GET_ERRORS.formatted("timeout"))).isZero();
    }

    private static MetricSamples scrape() {
        return MetricSamples.scrape(service.admin());
    }
}
