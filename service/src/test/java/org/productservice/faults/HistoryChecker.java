package org.productservice.faults;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.productservice.faults.History.Kind;
import org.productservice.faults.History.Op;
import org.productservice.faults.History.State;

/**
 * Checks a {@link History} against what the API promises, and lists every violation found:
 * <ul>
 *     <li>no 5xx other than 503, and an answer to every call;</li>
 *     <li>no lost update: each version of a product has one content, whoever saw it;</li>
 *     <li>acknowledged writes in real-time order: a write acknowledged with version v comes
 *     after every version seen by a call that ended before it started;</li>
 *     <li>no stale read: a read sees at least every version seen by a call that ended before it
 *     started, and nothing of a product whose delete was acknowledged before it started;</li>
 *     <li>no false 412 or 404: a write refused with 412 or 404 is never visible, a product is
 *     only ever absent if a delete that may have applied started before, and a 503 that does not
 *     say "outcome unknown" is a write that did not apply;</li>
 *     <li>one product per create: per Idempotency-Key, and per create without one.</li>
 * </ul>
 * Every write sets values no other write sets, so a value seen tells which write applied.
 */
final class HistoryChecker {
    private HistoryChecker() {
    }

    /**
     * Checks a history.
     *
     * @param ops every call, including the final reads after the run
     * @return violations, empty if none
     */
    static List<String> violations(List<Op> ops) {
        List<String> found = new ArrayList<>();
        statuses(ops, found);
        Map<String, List<Op>> byId = ops.stream().filter(op -> op.id() != null)
                .collect(Collectors.groupingBy(Op::id));
        versions(ops, found);
        visibleWrites(ops, found);
        for (List<Op> product : byId.values()) {
            realTimeOrder(product, found);
            deletes(product, found);
        }
        creates(ops, found);
        return found;
    }

    private static void statuses(List<Op> ops, List<String> found) {
        for (Op op : ops) {
            if (op.status() < 0) {
                found.add("no answer: " + op);
            } else if (op.status() >= 500 && op.status() != 503) {
                found.add("5xx other than 503: " + op);
            }
        }
    }

    /** Each (product, version) has exactly one content. */
    private static void versions(List<Op> ops, List<String> found) {
        Map<String, Op> seen = new HashMap<>();
        for (Op op : ops) {
            if (op.result().isEmpty()) {
                continue;
            }
            State state = op.result().get();
            Op first = seen.putIfAbsent(state.id() + "@" + state.version(), op);
            if (first != null && !first.result().get().equals(state)) {
                found.add("lost update: version " + state.version() + " of " + state.id() + " has two contents: "
                                  + first.result().get() + " (" + first + ") and " + state + " (" + op + ")");
            }
        }
    }

    /**
     * A value seen belongs to the write that set it: that write must not have been refused, must
     * not have said it failed for sure, and applied at its acknowledged version, not before.
     */
    private static void visibleWrites(List<Op> ops, List<String> found) {
        Map<String, Op> writers = new HashMap<>();
        for (Op op : ops) {
            if (op.kind() == Kind.PUT || op.kind() == Kind.PATCH) {
                if (op.name() != null) {
                    writers.put("n:" + op.name(), op);
                }
                if (op.description() != null) {
                    writers.put("d:" + op.description(), op);
                }
            }
        }
        // One violation per write, however many calls saw it.
        Set<Op> reported = new HashSet<>();
        for (Op op : ops) {
            if (op.result().isEmpty()) {
                continue;
            }
            State state = op.result().get();
            for (String value : List.of("n:" + state.name(), "d:" + state.description())) {
                Op writer = writers.get(value);
                if (writer == null || reported.contains(writer)) {
                    continue;
                }
                if (writer.refused()) {
                    reported.add(writer);
                    found.add("false " + writer.status() + ": " + writer + " applied; its value is in " + state + " seen by " + op);
                } else if (writer.status() >= 500 && !writer.outcomeUnknown()) {
                    reported.add(writer);
                    found.add("a 503 without 'outcome unknown' applied: " + writer + " is in " + state + " seen by " + op);
                } else if (writer.result().isPresent() && state.version() < writer.result().get().version()) {
                    reported.add(writer);
                    found.add("write visible before its acknowledged version (applied twice?): " + writer + " is in "
                                      + state + " seen by " + op);
                }
            }
        }
    }

    /** Versions never go back in real time, and an acknowledged write is newer than all that ended before it. */
    private static void realTimeOrder(List<Op> product, List<String> found) {
        List<Op> observed = product.stream().filter(op -> op.result().isPresent()).toList();
        for (Op later : observed) {
            long version = later.result().get().version();
            boolean write = later.kind() == Kind.PUT || later.kind() == Kind.PATCH;
            for (Op earlier : observed) {
                if (earlier.end() >= later.start()) {
                    continue;
                }
                long before = earlier.result().get().version();
                if (write && before >= version) {
                    found.add("write order: " + later + " acknowledged version " + version + " although " + earlier
                                      + " had seen version " + before + " before it started");
                    break;
                }
                if (!write && before > version) {
                    found.add("stale read: " + later + " saw version " + version + " although " + earlier
                                      + " had seen version " + before + " before it started");
                    break;
                }
            }
        }
    }

    /**
     * Nothing is seen of a product after its delete was acknowledged; a product is only absent
     * when a delete that may have applied started before; at most one delete succeeds.
     */
    private static void deletes(List<Op> product, List<String> found) {
        List<Op> deletes = product.stream().filter(op -> op.kind() == Kind.DELETE).toList();
        List<Op> acknowledged = deletes.stream().filter(Op::ok).toList();
        if (acknowledged.size() > 1) {
            found.add("two deletes of one product acknowledged: " + acknowledged);
        }
        for (Op delete : acknowledged) {
            for (Op op : product) {
                if (op.start() > delete.end() && op.result().isPresent()) {
                    found.add("stale read: " + op + " saw the product after " + delete + " was acknowledged");
                }
            }
        }
        for (Op absent : product) {
            if (absent.status() != 404) {
                continue;
            }
            boolean explained = deletes.stream()
                    .anyMatch(d -> d != absent && d.mayHaveApplied() && d.start() < absent.end());
            if (!explained) {
                List<Op> refused = deletes.stream().filter(Op::refused).toList();
                found.add("false 404 or a delete falsely refused: " + absent + " found no product, and no delete that may "
                                  + "have applied started before it; deletes refused: " + refused);
                // One per product: every later absence has the same cause.
                return;
            }
        }
    }

    /** One product per create: the create's name is seen on one product id at most. */
    private static void creates(List<Op> ops, List<String> found) {
        Map<String, Set<String>> idsByCreateName = new HashMap<>();
        Set<String> createNames = ops.stream().filter(op -> op.kind() == Kind.CREATE).map(Op::name)
                .collect(Collectors.toSet());
        for (Op op : ops) {
            op.result().filter(state -> createNames.contains(state.name()))
                    .ifPresent(state -> idsByCreateName.computeIfAbsent(state.name(), n -> new HashSet<>()).add(state.id()));
        }
        idsByCreateName.forEach((name, ids) -> {
            if (ids.size() > 1) {
                found.add("one create made " + ids.size() + " products (" + name + "): " + ids);
            }
        });
        Map<String, Set<String>> idsByKey = new HashMap<>();
        for (Op op : ops) {
            if (op.kind() == Kind.CREATE && op.idempotencyKey() != null && op.status() == 201) {
                idsByKey.computeIfAbsent(op.idempotencyKey(), k -> new HashSet<>()).add(op.id());
            }
        }
        idsByKey.forEach((key, ids) -> {
            if (ids.size() > 1) {
                found.add("Idempotency-Key " + key + " answered with " + ids.size() + " products: " + ids);
            }
        });
    }
}
