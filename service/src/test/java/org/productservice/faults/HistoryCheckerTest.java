package org.productservice.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.productservice.faults.History.Kind;
import org.productservice.faults.History.Op;
import org.productservice.faults.History.State;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link HistoryChecker} on hand-made histories: it passes a correct one and finds each kind of false answer. */
class HistoryCheckerTest {
    private static final String ID = "p1";

    private final List<Op> ops = new ArrayList<>();

    @Test
    void correctHistoryPasses() {
        create(0, 1, "c1");
        read(2, 3, 1, "c1", "created");
        put(4, 6, OptionalLong.of(1), "n1", "d1", 200, 2);
        put(5, 7, OptionalLong.of(1), "n2", "d2", 412, 0);
        patchDescription(8, 9, OptionalLong.empty(), "d3", 200, 3, "n1");
        read(10, 11, 3, "n1", "d3");
        put(12, 20, OptionalLong.of(3), "n4", "d4", 503, 0);
        op(Kind.DELETE, 21, 22, OptionalLong.of(3), null, null, 412, Optional.empty());
        op(Kind.DELETE, 23, 24, OptionalLong.empty(), null, null, 204, Optional.empty());
        op(Kind.READ, 25, 26, OptionalLong.empty(), null, null, 404, Optional.empty());

        assertThat(HistoryChecker.violations(ops)).isEmpty();
    }

    @Test
    void unknownOutcomeMayHaveApplied() {
        create(0, 1, "c1");
        ops.add(new Op(0, Kind.PUT, ID, OptionalLong.of(1), "n1", "d1", null, 2, 5, 503, History.OUTCOME_UNKNOWN, Optional.empty()));
        read(6, 7, 2, "n1", "d1");

        assertThat(HistoryChecker.violations(ops)).isEmpty();
    }

    @Test
    void findsLostUpdate() {
        create(0, 1, "c1");
        put(2, 4, OptionalLong.empty(), "n1", "d1", 200, 2);
        put(3, 5, OptionalLong.empty(), "n2", "d2", 200, 2);

        assertThat(HistoryChecker.violations(ops)).anyMatch(v -> v.startsWith("lost update"));
    }

    @Test
    void findsStaleRead() {
        create(0, 1, "c1");
        put(2, 3, OptionalLong.of(1), "n1", "d1", 200, 2);
        read(4, 5, 1, "c1", "created");

        assertThat(HistoryChecker.violations(ops)).anyMatch(v -> v.startsWith("stale read"));
    }

    @Test
    void findsWritesOutOfRealTimeOrder() {
        create(0, 1, "c1");
        put(2, 3, OptionalLong.empty(), "n1", "d1", 200, 3);
        put(4, 5, OptionalLong.empty(), "n2", "d2", 200, 2);

        assertThat(HistoryChecker.violations(ops)).anyMatch(v -> v.startsWith("write order"));
    }

    @Test
    void findsFalse412() {
        create(0, 1, "c1");
        put(2, 5, OptionalLong.of(1), "n1", "d1", 412, 0);
        read(6, 7, 2, "n1", "d1");

        assertThat(HistoryChecker.violations(ops)).anyMatch(v -> v.startsWith("false 412"));
    }

    @Test
    void findsFalse404OfAPatch() {
        create(0, 1, "c1");
        patchDescription(2, 5, OptionalLong.empty(), "d1", 404, 0, null);
        read(6, 7, 2, "c1", "d1");

        assertThat(HistoryChecker.violations(ops)).anyMatch(v -> v.startsWith("false 404"));
    }

    @Test
    void findsFalse404OfADelete() {
        create(0, 1, "c1");
        op(Kind.DELETE, 2, 5, OptionalLong.of(1), null, null, 404, Optional.empty());
        op(Kind.READ, 6, 7, OptionalLong.empty(), null, null, 404, Optional.empty());

        assertThat(HistoryChecker.violations(ops)).anyMatch(v -> v.startsWith("false 404 or a delete falsely refused"));
    }

    @Test
    void findsFalse412OfADelete() {
        create(0, 1, "c1");
        op(Kind.DELETE, 2, 5, OptionalLong.of(1), null, null, 412, Optional.empty());
        op(Kind.READ, 6, 7, OptionalLong.empty(), null, null, 404, Optional.empty());

        assertThat(HistoryChecker.violations(ops)).anyMatch(v -> v.startsWith("false 404 or a delete falsely refused"));
    }

    @Test
    void findsReadAfterAcknowledgedDelete() {
        create(0, 1, "c1");
        op(Kind.DELETE, 2, 3, OptionalLong.empty(), null, null, 204, Optional.empty());
        read(4, 5, 1, "c1", "created");

        assertThat(HistoryChecker.violations(ops)).anyMatch(v -> v.startsWith("stale read"));
    }

    @Test
    void findsPlain503ThatApplied() {
        create(0, 1, "c1");
        put(2, 5, OptionalLong.of(1), "n1", "d1", 503, 0);
        read(6, 7, 2, "n1", "d1");

        assertThat(HistoryChecker.violations(ops)).anyMatch(v -> v.startsWith("a 503 without 'outcome unknown' applied"));
    }

    @Test
    void findsWriteAppliedTwice() {
        create(0, 1, "c1");
        read(6, 7, 2, "n1", "d1");
        put(2, 8, OptionalLong.empty(), "n1", "d1", 200, 3);

        assertThat(HistoryChecker.violations(ops)).anyMatch(v -> v.startsWith("write visible before its acknowledged version"));
    }

    @Test
    void findsTwoProductsForOneIdempotencyKey() {
        ops.add(new Op(0, Kind.CREATE, "a", OptionalLong.empty(), "c1", "created", "k1", 0, 1, 201, null,
                       Optional.of(new State("a", 1, "c1", "created", "1.000"))));
        ops.add(new Op(0, Kind.CREATE, "b", OptionalLong.empty(), "c1", "created", "k1", 2, 3, 201, null,
                       Optional.of(new State("b", 1, "c1", "created", "1.000"))));

        assertThat(HistoryChecker.violations(ops))
                .anyMatch(v -> v.startsWith("one create made 2 products"))
                .anyMatch(v -> v.startsWith("Idempotency-Key k1 answered with 2 products"));
    }

    @Test
    void findsServerErrorsOtherThan503() {
        create(0, 1, "c1");
        op(Kind.READ, 2, 3, OptionalLong.empty(), null, null, 500, Optional.empty());

        assertThat(HistoryChecker.violations(ops)).anyMatch(v -> v.startsWith("5xx other than 503"));
    }

    private void create(long start, long end, String name) {
        ops.add(new Op(0, Kind.CREATE, ID, OptionalLong.empty(), name, "created", null, start, end, 201, null,
                       Optional.of(new State(ID, 1, name, "created", "1.000"))));
    }

    private void read(long start, long end, long version, String name, String description) {
        op(Kind.READ, start, end, OptionalLong.empty(), null, null, 200,
           Optional.of(new State(ID, version, name, description, version + ".000")));
    }

    private void put(long start, long end, OptionalLong ifMatch, String name, String description, int status, long version) {
        op(Kind.PUT, start, end, ifMatch, name, description, status,
           status == 200 ? Optional.of(new State(ID, version, name, description, version + ".000")) : Optional.empty());
    }

    private void patchDescription(long start, long end, OptionalLong ifMatch, String description, int status, long version,
                                  String currentName) {
        op(Kind.PATCH, start, end, ifMatch, null, description, status,
           status == 200 ? Optional.of(new State(ID, version, currentName, description, version + ".000")) : Optional.empty());
    }

    private void op(Kind kind, long start, long end, OptionalLong ifMatch, String name, String description, int status,
                    Optional<State> result) {
        ops.add(new Op(1, kind, ID, ifMatch, name, description, null, start, end, status,
                       status == 404 || status == 412 ? "about:blank" : null, result));
    }
}
