package org.productservice.faults;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Concurrent creates and conditional replaces while connections to DynamoDB are cut at random
 * points (before the engine sees a request, or after it executed it and before the answer got
 * back). Afterwards, read straight from the engine: every write acknowledged with a 2xx is there
 * with exactly the acknowledged content, and a write that was not acknowledged is either absent
 * or there in full, never half-written.
 */
class DataSafetyTest {
    private static final int WRITERS = 8;
    private static final int CREATES_EACH = 6;
    private static final int REPLACES_EACH = 2;
    private static final double CUT_PROBABILITY = 0.3;

    @Test
    void everyAcknowledgedWriteIsStoredAndNothingIsHalfWritten() throws Exception {
        String engine = TestEngine.get().endpoint();
        Map<String, JsonNode> acknowledged = new ConcurrentHashMap<>();
        // Product id -> the replace that was sent but not acknowledged (no more writes to it after that).
        Map<String, Content> unacknowledgedReplaces = new ConcurrentHashMap<>();
        // Name -> content of creates that were sent but not acknowledged; names are unique.
        Map<String, Content> unacknowledgedCreates = new ConcurrentHashMap<>();
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        Map<String, JsonNode> stored;

        try (FaultProxy proxy = FaultProxy.start(engine);
             RunningService service = RunningService.start(proxy.endpoint(), Map.of())) {
            Api api = service.api();
            proxy.cut(CUT_PROBABILITY);
            try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    done.add(writers.submit(() -> {
                        for (int c = 0; c < CREATES_EACH; c++) {
                            Content create = new Content("safety-" + writer + "-" + c, UUID.randomUUID().toString(), 1);
                            Api.Response created = api.create(create.json());
                            statuses.merge(created.status(), 1, Integer::sum);
                            if (created.status() != 201) {
                                unacknowledgedCreates.put(create.name(), create);
                                continue;
                            }
                            JsonNode product = created.json();
                            String id = product.path("id").asText();
                            acknowledged.put(id, product);
                            for (int r = 0; r < REPLACES_EACH; r++) {
                                long version = product.path("version").asLong();
                                Content replace = new Content(create.name() + "-r" + r, UUID.randomUUID().toString(),
                                                              version + 1);
                                Api.Response replaced = api.send("PUT", "/products/" + id, replace.json(),
                                                                 "Content-Type", "application/json",
                                                                 "If-Match", "\"" + version + "\"");
                                statuses.merge(replaced.status(), 1, Integer::sum);
                                if (replaced.status() != 200) {
                                    unacknowledgedReplaces.put(id, replace);
                                    break;
                                }
                                product = replaced.json();
                                acknowledged.put(id, product);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> future : done) {
                    future.get(120, TimeUnit.SECONDS);
                }
            }
            try (RunningService reader = service.sameTablesOn(engine)) {
                stored = readAll(reader.api());
            }
        }
        assertThat(statuses).as("the faults must actually have failed some writes").containsKey(503);
        assertThat(acknowledged).as("and some must have succeeded").isNotEmpty();

        for (Map.Entry<String, JsonNode> entry : acknowledged.entrySet()) {
            JsonNode product = stored.get(entry.getKey());
            assertThat(product).as("acknowledged product %s", entry.getValue()).isNotNull();
            Content replace = unacknowledgedReplaces.get(entry.getKey());
            if (replace != null && Content.of(product).equals(replace)) {
                continue;
            }
            assertThat(product).as("stored state of an acknowledged write (statuses %s)", statuses)
                    .isEqualTo(entry.getValue());
        }
        for (JsonNode product : stored.values()) {
            if (acknowledged.containsKey(product.path("id").asText())) {
                continue;
            }
            Content content = Content.of(product);
            assertThat(Optional.ofNullable(unacknowledgedCreates.get(content.name())))
                    .as("a stored product nobody was told about must be a whole unacknowledged create: %s", product)
                    .contains(content);
            assertThat(product.path("updated_at")).isEqualTo(product.path("created_at"));
        }
    }

    private static Map<String, JsonNode> readAll(Api api) {
        Map<String, JsonNode> all = new HashMap<>();
        String cursor = null;
        for (int page = 0; page < 100; page++) {
            Api.Response response = api.get("/products?limit=100" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(response.status()).as("list: %s", response).isEqualTo(200);
            for (JsonNode product : response.json().path("items")) {
                all.put(product.path("id").asText(), product);
            }
            JsonNode next = response.json().path("next_cursor");
            if (next.isMissingNode()) {
                return all;
            }
            cursor = next.asText();
        }
        throw new AssertionError("more than 100 pages");
    }

    /** What a write sets. */
    record Content(String name, String description, long version) {
        static Content of(JsonNode product) {
            return new Content(product.path("name").asText(), product.path("description").asText(),
                               product.path("version").asLong());
        }

        String json() {
            return Api.json(Map.of("name", name, "description", description));
        }
    }
}
