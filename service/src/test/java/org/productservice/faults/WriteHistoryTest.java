package org.productservice.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.productservice.faults.History.Kind;
import org.productservice.faults.History.Op;
import org.productservice.faults.History.State;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Concurrent clients read, replace, patch, delete and create products while the engine's
 * answers are lost: some held past the SDK's attempt timeout, some dropped after the engine
 * executed the request. Every call is recorded with its start, end and answer, and
 * {@link HistoryChecker} then proves that no answer was false: no lost update, acknowledged
 * writes in real-time order, no stale read, no 412 or 404 for a write that applied, one product
 * per create, no 5xx but 503.
 */
class WriteHistoryTest {
    private static final int CLIENTS = 12;
    private static final int PRODUCTS = 4;
    private static final Duration RUN = Duration.ofSeconds(25);
    // Short attempts, so that lost answers cost little time; the held answers come after the attempt gave up.
    private static final Duration ATTEMPT = Duration.ofMillis(500);
    private static final Duration HOLD = ATTEMPT.plusMillis(300);
    private static final double HELD = 0.06;
    private static final double DROPPED = 0.04;

    @Test
    void noWriteGetsAFalseAnswerWhenEngineAnswersAreLost() throws Exception {
        History history = new History();
        List<String> live = new CopyOnWriteArrayList<>();
        Set<String> everSeen = ConcurrentHashMap.newKeySet();
        int[] lost;
        try (FaultProxy proxy = FaultProxy.start(TestEngine.get().endpoint());
             RunningService service = RunningService.start(proxy.endpoint(), Map.of(
                     "dynamodb.timeout.attempt", "PT" + ATTEMPT.toMillis() / 1000.0 + "S",
                     "dynamodb.timeout.call", "PT" + ATTEMPT.multipliedBy(5).toMillis() / 1000.0 + "S"))) {
            Api api = service.api();
            for (int p = 0; p < PRODUCTS; p++) {
                JsonNode product = api.createProduct("seed-" + p, "seed");
                live.add(product.path("id").asText());
            }
            everSeen.addAll(live);
            proxy.loseReplies(HELD, DROPPED, HOLD);
            long end = System.nanoTime() + RUN.toNanos();
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    Client client = new Client(c, api, history, live, everSeen);
                    done.add(clients.submit(() -> {
                        while (System.nanoTime() < end) {
                            client.step();
                        }
                        return null;
                    }));
                }
                for (Future<?> future : done) {
                    future.get(RUN.toSeconds() + 120, TimeUnit.SECONDS);
                }
            }
            lost = proxy.lostReplies();
            proxy.pass();
            try (RunningService reader = service.sameTablesOn(TestEngine.get().endpoint())) {
                finalReads(reader.api(), history, everSeen);
            }
        }

        List<Op> ops = history.ops();
        Map<String, Long> statuses = ops.stream().collect(Collectors.groupingBy(
                op -> op.kind() + " " + op.status() + (op.outcomeUnknown() ? " unknown" : ""), TreeMap::new, Collectors.counting()));
        List<String> violations = HistoryChecker.violations(ops);
        String summary = "%d calls, %d answers held and %d dropped by the proxy; %s".formatted(ops.size(), lost[0], lost[1], statuses);
        System.out.println("WriteHistoryTest: " + summary);
        assertThat(lost[0] + lost[1]).as("the proxy must have lost answers: %s", summary).isPositive();
        assertThat(ops.stream().filter(op -> op.kind() == Kind.PUT && op.status() == 200).count())
                .as("the run must have done real work: %s", summary).isGreaterThan(50);
        assertThat(violations).as(summary).isEmpty();
    }

    /** Reads every product ever seen straight from the engine, after the run: the last word on what applied. */
    private static void finalReads(Api api, History history, Set<String> ids) {
        for (String id : ids) {
            long start = System.nanoTime();
            Api.Response response = api.get("/products/" + id);
            assertThat(response.status()).as("final read of %s: %s", id, response).isIn(200, 404);
            history.record(-1, Kind.READ, id, OptionalLong.empty(), null, null, null, start, response);
        }
        // Products nobody was told about: creates whose answer was lost.
        String cursor = null;
        do {
            long start = System.nanoTime();
            Api.Response page = api.get("/products?limit=100" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as("final list: %s", page).isEqualTo(200);
            long end = System.nanoTime();
            for (JsonNode product : page.json().path("items")) {
                if (!ids.contains(product.path("id").asText())) {
                    history.add(new Op(-1, Kind.READ, product.path("id").asText(), OptionalLong.empty(), null, null, null,
                                       start, end, 200, null, Optional.of(State.of(product))));
                }
            }
            cursor = page.json().path("next_cursor").asText(null);
        } while (cursor != null);
    }

    /** One client: a loop of random calls on the shared products, each recorded. */
    private static final class Client {
        private final int number;
        private final Api api;
        private final History history;
        private final List<String> live;
        private final Set<String> everSeen;
        private int sequence;

        Client(int number, Api api, History history, List<String> live, Set<String> everSeen) {
            this.number = number;
            this.api = api;
            this.history = history;
            this.live = live;
            this.everSeen = everSeen;
        }

        void step() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            if (live.size() < PRODUCTS || random.nextDouble() < 0.04) {
                create(random.nextDouble() < 0.8);
                return;
            }
            String id;
            try {
                id = live.get(random.nextInt(live.size()));
            } catch (IndexOutOfBoundsException deletedMeanwhile) {
                return;
            }
            double draw = random.nextDouble();
            if (draw < 0.30) {
                read(id);
            } else if (draw < 0.60) {
                read(id).ifPresent(version -> replace(id, OptionalLong.of(version)));
            } else if (draw < 0.75) {
                read(id).ifPresent(version -> patch(id, OptionalLong.of(version), random.nextBoolean()));
            } else if (draw < 0.85) {
                patch(id, OptionalLong.empty(), random.nextBoolean());
            } else if (draw < 0.93) {
                replace(id, OptionalLong.empty());
            } else if (random.nextDouble() < 0.7) {
                read(id).ifPresent(version -> delete(id, OptionalLong.of(version)));
            } else {
                delete(id, OptionalLong.empty());
            }
        }

        private String unique(String what) {
            return "c" + number + "-" + (++sequence) + what;
        }

        private Optional<Long> read(String id) {
            Op op = call(Kind.READ, id, OptionalLong.empty(), null, null, null, "GET", "/products/" + id, null);
            if (op.status() == 404) {
                live.remove(id);
            }
            return op.result().map(State::version);
        }

        private void replace(String id, OptionalLong ifMatch) {
            String name = unique("n");
            String description = unique("d");
            call(Kind.PUT, id, ifMatch, name, description, null, "PUT", "/products/" + id,
                 Api.json(Map.of("name", name, "description", description)), "Content-Type", "application/json");
        }

        private void patch(String id, OptionalLong ifMatch, boolean name) {
            String value = unique(name ? "n" : "d");
            call(Kind.PATCH, id, ifMatch, name ? value : null, name ? null : value, null, "PATCH", "/products/" + id,
                 Api.json(Map.of(name ? "name" : "description", value)), "Content-Type", "application/merge-patch+json");
        }

        private void delete(String id, OptionalLong ifMatch) {
            Op op = call(Kind.DELETE, id, ifMatch, null, null, null, "DELETE", "/products/" + id, null);
            if (op.status() != 412) {
                live.remove(id);
            }
        }

        /** A create; with a key it is retried after a 503 (same key, same body), and sometimes replayed after a 201. */
        private void create(boolean withKey) {
            String name = unique("c");
            String body = Api.json(Map.of("name", name, "description", "created"));
            String key = withKey ? "k-" + name : null;
            for (int attempt = 0; attempt < 4; attempt++) {
                Op op = withKey
                        ? call(Kind.CREATE, null, OptionalLong.empty(), name, "created", key, "POST", "/products", body,
                               "Content-Type", "application/json", "Idempotency-Key", key)
                        : call(Kind.CREATE, null, OptionalLong.empty(), name, "created", null, "POST", "/products", body,
                               "Content-Type", "application/json");
                if (op.status() == 201) {
                    everSeen.add(op.id());
                    live.add(op.id());
                    if (withKey && ThreadLocalRandom.current().nextDouble() < 0.2) {
                        call(Kind.CREATE, null, OptionalLong.empty(), name, "created", key, "POST", "/products", body,
                             "Content-Type", "application/json", "Idempotency-Key", key);
                    }
                    return;
                }
                if (op.status() != 503 || !withKey) {
                    return;
                }
            }
        }

        private Op call(Kind kind, String id, OptionalLong ifMatch, String name, String description, String key,
                        String method, String path, String body, String... headers) {
            List<String> all = new ArrayList<>(List.of(headers));
            ifMatch.ifPresent(version -> all.addAll(List.of("If-Match", "\"" + version + "\"")));
            long start = System.nanoTime();
            try {
                Api.Response response = api.send(method, path, body, all.toArray(String[]::new));
                return history.record(number, kind, id, ifMatch, name, description, key, start, response);
            } catch (RuntimeException e) {
                return history.recordNoAnswer(number, kind, id, ifMatch, name, description, key, start);
            }
        }
    }
}
