package org.productservice.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.productservice.testing.Api;
import org.productservice.testing.MetricSamples;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.productservice.testing.Problems.assertProblemOfType;

/**
 * The service in front of a DynamoDB that fails the ways DynamoDB fails: not there at all,
 * connections cut, slow, throttling. Clients must only ever see a 503 problem with Retry-After,
 * within the configured call timeout, and the service must recover by itself.
 */
class DynamoDbFaultTest {
    /** The shipped defaults (application.yaml); stated here so that the bounds below are explicit. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(1);
    /** Scheduling slack on a busy 2-core machine, on top of the configured bounds. */
    static final Duration MARGIN = Duration.ofMillis(1500);
    static final Map<String, String> SHIPPED_TIMEOUTS = Map.of(
            "dynamodb.timeout.connect", "PT1S",
            "dynamodb.timeout.socket", "PT2S",
            "dynamodb.timeout.attempt", "PT1.5S",
            "dynamodb.timeout.call", "PT3S",
            "dynamodb.timeout.health", "PT1S",
            "dynamodb.retry.attempts", "3",
            "errors.retry.after", "PT1S");

    /** A proxy of its own for each test: faults set by one test never reach the next. */
    @AutoClose
    private final FaultProxy proxy = FaultProxy.start(TestEngine.get().endpoint());

    @Test
    void engineDownAtStartMeansLiveButNotReadyThenReadyOnceItAppears() {
        proxy.refuse();
        try (RunningService service = RunningService.start(proxy.endpoint(), SHIPPED_TIMEOUTS)) {
            Api api = service.api();

            Api.Response ready = service.admin().get("/observe/health/ready");
            assertThat(ready.status()).as("ready while the engine is down: %s", ready).isEqualTo(503);
            assertThat(ready.json().path("status").asText()).isEqualTo("DOWN");
            Api.Response live = service.admin().get("/observe/health/live");
            assertThat(live.status()).as("live while the engine is down: %s", live).isEqualTo(200);
            assertThat(live.json().path("status").asText()).isEqualTo("UP");
            assertThat(service.admin().get("/observe/health/started").status()).isEqualTo(503);
            assertUnavailable(api.create(Api.json(Map.of("name", "early", "description", "engine down"))));

            proxy.pass();
            // The table bootstrap retries every second; give it a few rounds.
            Api.Response readyAgain = pollUntil200(service.admin(), "/observe/health/ready", Duration.ofSeconds(15));
            assertThat(readyAgain.json().path("status").asText()).isEqualTo("UP");
            assertThat(pollUntil200(service.admin(), "/observe/health/started", Duration.ofSeconds(5)).json().path("status").asText())
                    .isEqualTo("UP");
            JsonNode created = api.createProduct("late", "engine came up after the service");
            Api.Response fetched = api.get("/products/" + created.path("id").asText());
            assertThat(fetched.status()).isEqualTo(200);
            assertThat(fetched.json()).isEqualTo(created);
        }
    }

    @Test
    void latencyBeyondTheTimeoutGives503WithinTheConfiguredBound() throws Exception {
        try (RunningService service = RunningService.start(proxy.endpoint(), SHIPPED_TIMEOUTS)) {
            Api api = service.api();
            String id = api.createProduct("slow", "engine").path("id").asText();

            proxy.delay(CALL_TIMEOUT.plusSeconds(2));
            List<Timed> slow = load(api, List.of(id), 4, 1);
            assertThat(slow).hasSize(4).allSatisfy(timed -> {
                assertThat(timed.elapsed()).as("time of %s", timed).isLessThanOrEqualTo(CALL_TIMEOUT.plus(MARGIN));
                JsonNode problem = assertUnavailable(timed.response());
                assertThat(problem.path("detail").asText()).contains("timeout");
            });

            long start = System.nanoTime();
            Api.Response ready = service.admin().get("/observe/health/ready");
            Duration readyTime = Duration.ofNanos(System.nanoTime() - start);
            assertThat(ready.status()).as("ready with a slow engine: %s", ready).isEqualTo(503);
            // Two tables, each DescribeTable bounded by the health timeout.
            assertThat(readyTime).isLessThanOrEqualTo(HEALTH_TIMEOUT.multipliedBy(2).plus(MARGIN));

            proxy.pass();
            Api.Response fetched = api.get("/products/" + id);
            assertThat(fetched.status()).as("after the latency is gone: %s", fetched).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ProvisionedThroughputExceededException", "ThrottlingException"})
    void throttlingIsRetriedThenAnswered503WithRetryAfter(String errorType) {
        try (RunningService service = RunningService.start(proxy.endpoint(), SHIPPED_TIMEOUTS)) {
            Api api = service.api();
            String id = api.createProduct("throttled", "engine").path("id").asText();

            proxy.throttle(errorType);
            proxy.clearRecords();
            long start = System.nanoTime();
            Api.Response read = api.get("/products/" + id);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

            JsonNode problem = assertUnavailable(read);
            // Throttled whether the attempts ran out or the call's time ran out during a backoff
            // (up to 1 s, then 2 s, with jitter: on a busy machine the third attempt may not fit in 3 s).
            assertThat(problem.path("detail").asText()).contains("throttled");
            assertThat(elapsed).isLessThanOrEqualTo(CALL_TIMEOUT.plus(MARGIN));
            assertThat(proxy.targets()).as("one GetItem, retried, at most dynamodb.retry.attempts times")
                    .hasSizeBetween(2, 3)
                    .containsOnly("DynamoDB_20120810.GetItem");

            proxy.clearRecords();
            Api.Response created = api.create(Api.json(Map.of("name", "while", "description", "throttled")));
            assertThat(assertUnavailable(created).path("detail").asText()).contains("throttled");
            assertThat(proxy.count("PutItem")).isBetween(2L, 3L);

            proxy.pass();
            assertThat(api.get("/products/" + id).status()).isEqualTo(200);
        }
    }

    @Test
    void aCallWhoseTimeRunsOutWhileBackingOffFromThrottlingIsThrottledNotATimeout() {
        // Attempts answered at once, many allowed, and a call timeout shorter than the SDK's
        // throttling backoffs add up to: the call's time runs out while it backs off.
        Map<String, String> settings = new TreeMap<>(SHIPPED_TIMEOUTS);
        settings.put("dynamodb.timeout.attempt", "PT0.9S");
        settings.put("dynamodb.timeout.call", "PT1S");
        settings.put("dynamodb.retry.attempts", "10");
        try (RunningService service = RunningService.start(proxy.endpoint(), settings)) {
            Api api = service.api();
            String id = api.createProduct("backing off", "engine").path("id").asText();

            proxy.throttle("ProvisionedThroughputExceededException");
            MetricSamples before = MetricSamples.scrape(service.admin());
            Api.Response read = api.get("/products/" + id);
            MetricSamples after = MetricSamples.scrape(service.admin());

            assertThat(assertUnavailable(read).path("detail").asText()).contains("throttled");
            String errors = "dynamodb_client_errors_total{operation=GetItem,type=%s}";
            assertThat(after.since(before, errors.formatted("throttling"))).isGreaterThanOrEqualTo(1.0);
            // Almost always zero; one if a busy machine made the last attempt itself outlast the call.
            assertThat(after.since(before, errors.formatted("timeout"))).isLessThanOrEqualTo(1.0);
        }
    }

    /**
     * A 503 problem that tells the client when to come back: storage unavailable, or, for a write
     * that may have applied, its outcome unknown.
     */
    static JsonNode assertUnavailable(Api.Response response) {
        String type = response.status() == 503 && response.json().path("type").asText().equals(History.OUTCOME_UNKNOWN)
                ? History.OUTCOME_UNKNOWN
                : "about:blank";
        JsonNode problem = assertProblemOfType(response, 503, type);
        assertThat(response.header("Retry-After")).as("Retry-After of %s", response).contains("1");
        return problem;
    }

    /**
     * Runs a fixed number of requests on each of {@code concurrency} threads, each thread on a
     * product of its own: reads, creates, and replaces conditional on the version it last saw
     * (re-read after a failure, when the version is unknown).
     */
    static List<Timed> load(Api api, List<String> ids, int concurrency, int requestsEach) throws Exception {
        ConcurrentLinkedQueue<Timed> results = new ConcurrentLinkedQueue<>();
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                int worker = w;
                String id = ids.get(worker % ids.size());
                done.add(workers.submit(() -> {
                    long version = 0;
                    for (int i = 0; i < requestsEach; i++) {
                        long start = System.nanoTime();
                        int kind = ids.size() < concurrency ? 0 : (worker + i) % 3;
                        Api.Response response;
                        if (kind == 1) {
                            response = api.create(Api.json(Map.of("name", "load-" + worker, "description", "n" + i)));
                        } else if (kind == 2 && version > 0) {
                            response = api.send("PUT", "/products/" + id,
                                                Api.json(Map.of("name", "load-" + worker, "description", "put " + i)),
                                                "Content-Type", "application/json", "If-Match", "\"" + version + "\"");
                        } else {
                            response = api.get("/products/" + id);
                        }
                        results.add(new Timed(response, Duration.ofNanos(System.nanoTime() - start)));
                        if (kind != 1) {
                            version = response.status() == 200 ? response.json().path("version").asLong() : 0;
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        }
        return List.copyOf(results);
    }

    static Api.Response pollUntil200(Api api, String path, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        Api.Response last;
        do {
            last = api.get(path);
            if (last.status() == 200) {
                return last;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        } while (System.nanoTime() < deadline);
        throw new AssertionError(path + " did not answer 200 within " + within + "; last answer: " + last);
    }

    static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** A response and how long it took. */
    record Timed(Api.Response response, Duration elapsed) {
    }
}
