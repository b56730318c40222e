package org.productservice.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.productservice.faults.DynamoDbFaultTest.Timed;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.productservice.faults.DynamoDbFaultTest.assertUnavailable;

/**
 * {@code limits.deadline} in front of a slow engine: every answer comes within the deadline plus
 * a small margin, even for requests that make several DynamoDB calls, and an idempotent create
 * cut anywhere by the deadline is finished by its retry, never duplicated.
 *
 * <p>The deadline is 2 s here (5 s shipped) with the shipped DynamoDB timeouts, so that the
 * engine's delay can be chosen below the attempt timeout (1.5 s) and still make the three calls
 * of an idempotent create (claim, put, complete) need far more than the deadline.
 */
class RequestDeadlineTest {
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    /**
     * Scheduling slack on a busy shared 2-core machine (a loaded runner measured 2.94 s for a 2 s
     * deadline). Still small enough that the test fails without the deadline: three calls of 1.2 s
     * each would answer after 3.6 s; and each cut answer must also say that the deadline cut it.
     */
    private static final Duration MARGIN = Duration.ofMillis(1400);

    /** A proxy of its own for each test: faults set by one test never reach the next. */
    @AutoClose
    private final FaultProxy proxy = FaultProxy.start(TestEngine.get().endpoint());

    private RunningService start() {
        Map<String, String> config = new HashMap<>(DynamoDbFaultTest.SHIPPED_TIMEOUTS);
        config.put("limits.deadline", "PT2S");
        return RunningService.start(proxy.endpoint(), config);
    }

    @Test
    void aSlowEngineNeverHoldsAnAnswerPastTheDeadline() throws Exception {
        try (RunningService service = start()) {
            Api api = service.api();
            String id = api.createProduct("deadline", "read while slow").path("id").asText();
            String name = "Deadline-" + UUID.randomUUID().toString().substring(0, 8);

            // Below the attempt timeout: every single call succeeds; only their sum is too long.
            proxy.delay(Duration.ofMillis(1200));
            ConcurrentLinkedQueue<Keyed> creates = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Timed> reads = new ConcurrentLinkedQueue<>();
            try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    int worker = w;
                    done.add(workers.submit(() -> {
                        for (int i = 0; i < 3; i++) {
                            String key = UUID.randomUUID().toString();
                            String body = Api.json(Map.of("name", name, "description", "worker " + worker + " #" + i));
                            creates.add(new Keyed(key, body, timed(() -> api.create(body, "Idempotency-Key", key))));
                            reads.add(timed(() -> api.get("/products/" + id)));
                        }
                        return null;
                    }));
                }
                for (Future<?> future : done) {
                    future.get(60, TimeUnit.SECONDS);
                }
            }

            List<Timed> all = new ArrayList<>(reads);
            creates.forEach(create -> all.add(create.first()));
            Duration slowest = all.stream().map(Timed::elapsed).max(Comparator.naturalOrder()).orElseThrow();
            System.out.printf("RequestDeadlineTest: %d answers with a 1.2 s engine and a 2 s deadline, slowest %d ms%n",
                              all.size(), slowest.toMillis());
            assertThat(all).hasSize(24);
            assertThat(slowest).as("slowest of %s", all).isLessThanOrEqualTo(DEADLINE.plus(MARGIN));
            // One call: within the deadline, answered in full.
            assertThat(reads).allSatisfy(read -> {
                assertThat(read.response().status()).as("%s", read).isEqualTo(200);
                assertThat(read.response().json().path("id").asText()).isEqualTo(id);
            });
            // Three calls of 1.2 s: cut by the deadline, and told so. With 24 calls at once on a busy
            // runner, a DynamoDB timeout can fire in the same milliseconds as the deadline and be
            // named instead (seen once in a fresh-clone CI run, at 2,005 ms); the single-call tests
            // below pin the deadline's own message.
            assertThat(creates).allSatisfy(create -> {
                assertThat(create.first().elapsed()).as("%s", create.first()).isGreaterThanOrEqualTo(DEADLINE);
                assertThat(assertUnavailable(create.first().response()).path("detail").asText())
                        .isIn("The product store is unavailable (request deadline). Retry later.",
                              "The product store is unavailable (timeout). Retry later.");
            });
            assertThat(creates).as("answers that name the deadline")
                    .filteredOn(create -> create.first().response().body().contains("(request deadline)"))
                    .hasSizeGreaterThanOrEqualTo(creates.size() / 2);

            proxy.pass();
            for (Keyed create : creates) {
                Api.Response retry = api.create(create.body(), "Idempotency-Key", create.key());
                assertThat(retry.status()).as("retry of %s: %s", create.key(), retry).isEqualTo(201);
                // The cut request got as far as the product's put: its retry finds the product stored.
                assertThat(retry.header("Idempotent-Replayed")).contains("true");
                assertThat(retry.json().path("name").asText()).isEqualTo(name);
            }
            JsonNode listed = api.get("/products?name=" + name + "&limit=100").json().path("items");
            assertThat(listed).as("one product per key, none twice").hasSize(12);
        }
    }

    /**
     * Cut while claiming the key (2.5 s: even the claim's first attempt times out, and both of its
     * attempts still reach the engine later), while storing the product (1.2 s: the put lands after
     * the 503), and while marking the key complete (0.8 s).
     */
    @ParameterizedTest
    @ValueSource(ints = {2500, 1200, 800})
    void anIdempotentCreateCutByTheDeadlineIsFinishedByItsRetryNeverDuplicated(int engineDelayMillis) throws Exception {
        try (RunningService service = start()) {
            Api api = service.api();
            String key = UUID.randomUUID().toString();
            String name = "Cut-" + engineDelayMillis + "-" + key.substring(0, 8);
            String body = Api.json(Map.of("name", name, "description", "cut by the deadline"));

            proxy.delay(Duration.ofMillis(engineDelayMillis));
            Timed cut = timed(() -> api.create(body, "Idempotency-Key", key));
            System.out.printf("RequestDeadlineTest: create cut with a %d ms engine after %d ms%n",
                              engineDelayMillis, cut.elapsed().toMillis());
            assertThat(cut.elapsed()).as("%s", cut).isLessThanOrEqualTo(DEADLINE.plus(MARGIN));
            assertThat(assertUnavailable(cut.response()).path("detail").asText())
                    .isEqualTo("The product store is unavailable (request deadline). Retry later.");

            // Retried at once: the calls the deadline gave up on may still land while it runs.
            proxy.pass();
            Api.Response retry = api.create(body, "Idempotency-Key", key);
            assertThat(retry.status()).as("%s", retry).isEqualTo(201);
            JsonNode product = retry.json();
            assertThat(product.path("name").asText()).isEqualTo(name);
            assertThat(product.path("version").asLong()).isEqualTo(1);
            if (engineDelayMillis < 2000) {
                assertThat(retry.header("Idempotent-Replayed")).as("the claim was stored before the cut").contains("true");
            }

            // Once every delayed call has reached the engine, the key still stands for that one product.
            Thread.sleep(engineDelayMillis * 2L);
            Api.Response again = api.create(body, "Idempotency-Key", key);
            assertThat(again.status()).isEqualTo(201);
            assertThat(again.header("Idempotent-Replayed")).contains("true");
            assertThat(again.json()).isEqualTo(product);
            assertThat(again.header("Location")).hasValueSatisfying(
                    location -> assertThat(location).endsWith("/products/" + product.path("id").asText()));
            assertThat(api.get("/products/" + product.path("id").asText()).json()).isEqualTo(product);
            JsonNode listed = api.get("/products?name=" + name).json().path("items");
            assertThat(listed).as("one product, never two").hasSize(1);
            assertThat(listed.get(0)).isEqualTo(product);
        }
    }

    private static Timed timed(java.util.function.Supplier<Api.Response> request) {
        long start = System.nanoTime();
        Api.Response response = request.get();
        return new Timed(response, Duration.ofNanos(System.nanoTime() - start));
    }

    /** A create with its key and body, to retry it. */
    private record Keyed(String key, String body, Timed first) {
    }
}
