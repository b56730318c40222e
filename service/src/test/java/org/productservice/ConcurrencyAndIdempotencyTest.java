package org.productservice;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.productservice.testing.Problems.assertProblem;

/** Many clients at once: optimistic concurrency on updates, and idempotent creates. */
class ConcurrencyAndIdempotencyTest {
    private static final int CLIENTS = 12;

    @AutoClose
    private static final RunningService SERVICE = RunningService.start(Map.of());

    private final Api api = SERVICE.api();

    @Test
    void parallelUpdatesWithTheSameIfMatchLetExactlyOneWinEachRound() throws Exception {
        String id = api.createProduct("Contended", "round 0").path("id").asText();
        for (int round = 1; round <= 5; round++) {
            String etag = api.get("/products/" + id).header("ETag").orElseThrow();
            int currentRound = round;
            List<Api.Response> responses = together(client -> api.send(
                    "PUT", "/products/" + id, Api.json(Map.of("name", "Contended", "description", "round " + currentRound + " by " + client)),
                    "Content-Type", "application/json", "If-Match", etag));

            List<Api.Response> winners = responses.stream().filter(r -> r.status() == 200).toList();
            assertThat(winners).as("round %d", round).hasSize(1);
            assertThat(responses).filteredOn(r -> r.status() != 200)
                    .hasSize(CLIENTS - 1)
                    .allSatisfy(r -> assertProblem(r, 412));
            JsonNode stored = api.get("/products/" + id).json();
            assertThat(stored).isEqualTo(winners.getFirst().json());
            assertThat(stored.path("version").asLong()).isEqualTo(round + 1);
        }
    }

    @Test
    void parallelPatchesOfDifferentFieldsAreAllApplied() throws Exception {
        String id = api.createProduct("Base", "base").path("id").asText();
        List<Api.Response> responses = together(client -> api.send(
                "PATCH", "/products/" + id,
                client % 2 == 0 ? "{\"name\": \"Renamed\"}" : "{\"description\": \"Described\"}",
                "Content-Type", "application/merge-patch+json"));

        assertThat(responses).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        JsonNode stored = api.get("/products/" + id).json();
        assertThat(stored.path("name").asText()).isEqualTo("Renamed");
        assertThat(stored.path("description").asText()).isEqualTo("Described");
        assertThat(stored.path("version").asLong()).as("every write counted").isEqualTo(1 + CLIENTS);
    }

    @Test
    void concurrentRetriesOfOneIdempotencyKeyCreateOneProduct() throws Exception {
        String key = UUID.randomUUID().toString();
        String name = "Idempotent-" + key.substring(0, 8);
        String body = Api.json(Map.of("name", name, "description", "once"));
        List<Api.Response> responses = together(client -> api.create(body, "Idempotency-Key", key));

        assertThat(responses).allSatisfy(r -> assertThat(r.status()).as("%s", r).isEqualTo(201));
        assertThat(responses.stream().map(r -> r.json().path("id").asText()).distinct()).hasSize(1);
        assertThat(responses.stream().map(r -> r.header("Location").orElseThrow()).distinct()).hasSize(1);
        assertThat(api.get("/products?name=" + name).json().path("items")).hasSize(1);
    }

    @Test
    void aRetryWithTheSameKeyReturnsTheSameProduct() {
        String key = UUID.randomUUID().toString();
        String body = Api.json(Map.of("name", "Retried", "description", "network blip"));
        Api.Response first = api.create(body, "Idempotency-Key", key);
        Api.Response retry = api.create(body, "Idempotency-Key", key);

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.header("Idempotent-Replayed")).isEmpty();
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).contains("true");
        assertThat(retry.json()).isEqualTo(first.json());
        assertThat(retry.header("Location")).isEqualTo(first.header("Location"));
        // The same content written differently (whitespace, order, untrimmed name) is the same request.
        Api.Response reordered = api.create("{ \"description\": \"network blip\", \"name\": \"  Retried \" }", "Idempotency-Key", key);
        assertThat(reordered.json().path("id")).isEqualTo(first.json().path("id"));
    }

    @Test
    void theSameKeyWithAnotherBodyIs422AndCreatesNothing() {
        String key = UUID.randomUUID().toString();
        String name = "Keyed-" + key.substring(0, 8);
        api.create(Api.json(Map.of("name", name, "description", "first")), "Idempotency-Key", key);
        assertProblem(api.create(Api.json(Map.of("name", name, "description", "second")), "Idempotency-Key", key), 422);
        assertThat(api.get("/products?name=" + name).json().path("items")).hasSize(1);
    }

    @Test
    void aKeyWhoseProductWasDeletedDoesNotRecreateIt() {
        String key = UUID.randomUUID().toString();
        String body = Api.json(Map.of("name", "Short-lived", "description", "deleted later"));
        String id = api.create(body, "Idempotency-Key", key).json().path("id").asText();
        api.send("DELETE", "/products/" + id, null);

        assertProblem(api.create(body, "Idempotency-Key", key), 409);
        assertProblem(api.get("/products/" + id), 404);
    }

    @Test
    void malformedIdempotencyKeysAre400() {
        String body = Api.json(Map.of("name", "Bad key", "description", "d"));
        assertProblem(api.create(body, "Idempotency-Key", "k".repeat(129)), 400, "Idempotency-Key");
        assertProblem(api.create(body, "Idempotency-Key", "with space"), 400, "Idempotency-Key");
    }

    /** Runs CLIENTS requests released at the same instant. */
    private static List<Api.Response> together(IntFunction<Api.Response> request) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Api.Response>> futures = new ArrayList<>();
            for (int client = 0; client < CLIENTS; client++) {
                int id = client;
                futures.add(executor.submit(() -> {
                    start.await();
                    return request.apply(id);
                }));
            }
            start.countDown();
            List<Api.Response> responses = new ArrayList<>();
            for (Future<Api.Response> future : futures) {
                responses.add(future.get());
            }
            return responses;
        }
    }

    @Test
    void namesAreStoredInNfcAndRetriesInAnotherFormReplay() {
        String decomposed = "Cafe\u0301 " + UUID.randomUUID();
        String composed = Normalizer.normalize(decomposed, Normalizer.Form.NFC);
        String key = UUID.randomUUID().toString();

        Api.Response first = api.create(Api.json(Map.of("name", decomposed, "description", "e\u0301")), "Idempotency-Key", key);
        Api.Response retry = api.create(Api.json(Map.of("name", composed, "description", "\u00e9")), "Idempotency-Key", key);

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.json().get("name").asText()).isEqualTo(composed);
        assertThat(first.json().get("description").asText()).isEqualTo("\u00e9");
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).hasValue("true");
        assertThat(retry.json().get("id").asText()).isEqualTo(first.json().get("id").asText());
        assertThat(api.get("/products?name=" + java.net.URLEncoder.encode(decomposed, java.nio.charset.StandardCharsets.UTF_8))
                           .json().get("items")).hasSize(1);
    }
}
