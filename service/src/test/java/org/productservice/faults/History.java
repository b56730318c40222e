package org.productservice.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.productservice.testing.Api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The calls of a concurrent run against the API, each with when it started and ended
 * ({@link System#nanoTime()}) and what it answered, for {@link HistoryChecker}. Safe for
 * concurrent recording.
 */
final class History {
    /** Problem type of a write whose outcome the service cannot know (as in openapi.yaml). */
    static final String OUTCOME_UNKNOWN = "tag:product-service,2026:write-outcome-unknown";

    private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();

    /** What a call did. */
    enum Kind { READ, PUT, PATCH, DELETE, CREATE }

    /**
     * A product as one answer showed it.
     *
     * @param id          product id
     * @param version     its version
     * @param name        name
     * @param description description
     * @param updatedAt   {@code updated_at} as the JSON had it
     */
    record State(String id, long version, String name, String description, String updatedAt) {
        static State of(JsonNode product) {
            return new State(product.path("id").asText(), product.path("version").asLong(), product.path("name").asText(),
                             product.path("description").asText(), product.path("updated_at").asText());
        }
    }

    /**
     * One call.
     *
     * @param client         the client that made it
     * @param kind           what it did
     * @param id             product id; for a create, the id it answered with (or null)
     * @param ifMatch        the version named in If-Match, if any
     * @param name           the name it sets, or null
     * @param description    the description it sets, or null
     * @param idempotencyKey a create's key, or null
     * @param start          nanoTime before sending
     * @param end            nanoTime after the answer
     * @param status         HTTP status; -1 if there was no answer
     * @param problemType    the problem's {@code type}, or null
     * @param result         the product in the answer (200, 201), if any
     */
    record Op(int client, Kind kind, String id, OptionalLong ifMatch, String name, String description, String idempotencyKey,
              long start, long end, int status, String problemType, Optional<State> result) {

        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** A write that says it did not apply. */
        boolean refused() {
            return status == 404 || status == 412;
        }

        boolean outcomeUnknown() {
            return status == 503 && OUTCOME_UNKNOWN.equals(problemType);
        }

        /** Whether the write may have applied, by its answer: success, or a 5xx / no answer. */
        boolean mayHaveApplied() {
            return ok() || status >= 500 || status < 0;
        }

        @Override
        public String toString() {
            return "%s#c%d %s(%s%s) -> %d%s%s [%d..%d ms]".formatted(
                    kind, client, id, ifMatch.isPresent() ? "If-Match " + ifMatch.getAsLong() + " " : "",
                    name != null || description != null ? "name=" + name + " description=" + description : "",
                    status, problemType == null || problemType.equals("about:blank") ? "" : " " + problemType,
                    result.map(r -> " v" + r.version()).orElse(""), start / 1_000_000, end / 1_000_000);
        }
    }

    /**
     * Records a call from its answer.
     *
     * @return the recorded call
     */
    Op record(int client, Kind kind, String id, OptionalLong ifMatch, String name, String description, String key,
              long start, Api.Response response) {
        long end = System.nanoTime();
        Optional<State> result = Optional.empty();
        String problemType = null;
        if (response.status() == 200 || response.status() == 201) {
            result = Optional.of(State.of(response.json()));
        } else if (response.header("Content-Type").orElse("").startsWith("application/problem+json")) {
            problemType = response.json().path("type").asText(null);
        }
        String opId = id != null ? id : result.map(State::id).orElse(null);
        Op op = new Op(client, kind, opId, ifMatch, name, description, key, start, end, response.status(), problemType, result);
        ops.add(op);
        return op;
    }

    /** Records a call that got no answer at all (an exception in the client). */
    Op recordNoAnswer(int client, Kind kind, String id, OptionalLong ifMatch, String name, String description, String key,
                      long start) {
        Op op = new Op(client, kind, id, ifMatch, name, description, key, start, System.nanoTime(), -1, null, Optional.empty());
        ops.add(op);
        return op;
    }

    /** Adds a call made elsewhere, e.g. the final reads after the run. */
    void add(Op op) {
        ops.add(op);
    }

    List<Op> ops() {
        return new ArrayList<>(ops);
    }
}
