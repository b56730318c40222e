package org.productservice.faults;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

/**
 * A bounded soak: thousands of mixed requests at a fixed concurrency against the local engine,
 * with no 5xx and flat memory (heap after a full GC at the end within a small margin of the one
 * after warm-up). The default size keeps `make test` quick; for a longer manual run:
 * <pre>
 * ./mvnw -pl service test -Dtest=SoakTest -Dsoak.requests=50000 -Dsoak.concurrency=32 -Dsoak.deadline.seconds=1800
 * </pre>
 */
class SoakTest {
    private static final int REQUESTS = Integer.getInteger("soak.requests", 1000);
    private static final int CONCURRENCY = Integer.getInteger("soak.concurrency", 16);
    private static final int WARM_UP = 400;
    private static final long HEAP_MARGIN_BYTES = 20L * 1024 * 1024;
    /** Hard bound of the whole run, so a hang fails the test instead of stalling the build. */
    private static final Duration DEADLINE = Duration.ofSeconds(Long.getLong("soak.deadline.seconds", 120));

    @Test
    void mixedRequestsAtFixedConcurrencyGiveNo5xxAndFlatMemory() throws Exception {
        try (RunningService service = RunningService.start(TestEngine.get().endpoint(), Map.of())) {
            Api api = service.api();
            List<String> seeds = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                seeds.add(api.createProduct("soak-" + (i % 5), "seed " + i).path("id").asText());
            }
            run(api, seeds, WARM_UP, new ConcurrentHashMap<>());
            long before = heapAfterFullGc();

            Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
            long start = System.nanoTime();
            run(api, seeds, REQUESTS, statuses);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            long after = heapAfterFullGc();

            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(statuses.keySet()).as("statuses of %d requests in %s: %s", REQUESTS, elapsed, new TreeMap<>(statuses))
                    .allSatisfy(status -> soft.assertThat(status).isLessThan(500));
            soft.assertThat(statuses.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(REQUESTS);
            soft.assertThat(after).as("heap after full GC: %d MB after warm-up, %d MB at the end",
                                      before >> 20, after >> 20)
                    .isLessThanOrEqualTo(before + HEAP_MARGIN_BYTES);
            soft.assertAll();
        }
    }

    /** Runs {@code count} requests of the mix on {@link #CONCURRENCY} threads, counting statuses. */
    private static void run(Api api, List<String> seeds, int count, Map<Integer, Integer> statuses) throws Exception {
        AtomicInteger next = new AtomicInteger();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < CONCURRENCY; w++) {
                Random random = new Random(w);
                done.add(workers.submit(() -> {
                    List<String> mine = new ArrayList<>();
                    while (next.getAndIncrement() < count) {
                        if (System.nanoTime() > deadline) {
                            throw new AssertionError("soak did not finish within " + DEADLINE);
                        }
                        int status = request(api, seeds, mine, random);
                        statuses.merge(status, 1, Integer::sum);
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(DEADLINE.toSeconds() + 10, TimeUnit.SECONDS);
            }
        }
    }

    /** One request of a realistic mix: mostly reads, some writes, some client errors. */
    private static int request(Api api, List<String> seeds, List<String> mine, Random random) {
        String seed = seeds.get(random.nextInt(seeds.size()));
        int dice = random.nextInt(100);
        if (dice < 30) {
            return api.get("/products/" + seed).status();
        }
        if (dice < 45) {
            Api.Response created = api.create(Api.json(Map.of("name", "soak-" + random.nextInt(5),
                                                              "description", "created " + random.nextInt())));
            if (created.status() == 201 && mine.size() < 50) {
                mine.add(created.json().path("id").asText());
            }
            return created.status();
        }
        String own = mine.isEmpty() ? seed : mine.get(random.nextInt(mine.size()));
        if (dice < 55) {
            Api.Response read = api.get("/products/" + own);
            if (read.status() != 200) {
                return read.status();
            }
            return api.send("PATCH", "/products/" + own, Api.json(Map.of("description", "patched " + random.nextInt())),
                            "Content-Type", "application/merge-patch+json",
                            "If-Match", read.header("ETag").orElse("\"0\"")).status();
        }
        if (dice < 62) {
            // Unconditional replace: no If-Match, last writer wins.
            return api.send("PUT", "/products/" + own,
                            Api.json(Map.of("name", "soak-" + random.nextInt(5), "description", "replaced")),
                            "Content-Type", "application/json").status();
        }
        if (dice < 67 && !mine.isEmpty()) {
            String victim = mine.remove(mine.size() - 1);
            return api.send("DELETE", "/products/" + victim, null).status();
        }
        if (dice < 77) {
            return api.get("/products?limit=" + (1 + random.nextInt(20))).status();
        }
        if (dice < 90) {
            return api.get("/products?name=soak-" + random.nextInt(5) + "&order=" + (random.nextBoolean() ? "asc" : "desc")
                                   + "&limit=10").status();
        }
        if (dice < 95) {
            return api.get("/products/" + UUID.randomUUID()).status();
        }
        return api.create("{\"name\": \"\", \"description\": 5}").status();
    }

    private static long heapAfterFullGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        // Several rounds: objects with cleaners/finalization need a second collection.
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
