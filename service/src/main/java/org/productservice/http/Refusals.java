package org.productservice.http;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

/**
 * Every answer a listener gives before routing: counted in {@code http_server_refusals_total}
 * by listener, status and reason, logged through the {@link RefusalLog} (one line per reason and
 * second), and, when a request line was read, written to the access log with its request id.
 * The requests that reach routing are counted in {@code http_server_requests_seconds} instead,
 * never in both: the availability SLI adds the two.
 *
 * <p>Reasons: {@code concurrency_limit} (503, the limiter), {@code connection_cap} (503, at
 * accept), {@code head_timeout} (408), {@code malformed} (400), {@code uri_too_long} (414),
 * {@code headers_too_large} (431), {@code body_too_large} (413), {@code expectation_failed}
 * (417), {@code not_implemented} (501), {@code http_version} (505), {@code internal_error} (500).
 */
public final class Refusals {
    /** Name of the refusal counter ({@code http_server_refusals_total} in Prometheus). */
    public static final String COUNTER = "http.server.refusals";
    /** The limiter's refusal. */
    public static final String CONCURRENCY_LIMIT = "concurrency_limit";
    /** A connection over the listener's cap. */
    public static final String CONNECTION_CAP = "connection_cap";
    /** A request head that did not arrive in time. */
    public static final String HEAD_TIMEOUT = "head_timeout";

    private final String listener;
    private final MeterRegistry registry;
    private final RefusalLog log;
    private final Map<Integer, Map<String, Counter>> counters = new ConcurrentHashMap<>();

    /**
     * Creates the refusals of one listener.
     *
     * @param listener the listener's name
     * @param registry where the counter goes
     */
    public Refusals(String listener, MeterRegistry registry) {
        this(listener, registry, RefusalLog.shared());
    }

    Refusals(String listener, MeterRegistry registry, RefusalLog log) {
        this.listener = listener;
        this.registry = registry;
        this.log = log;
        // The overload series exist from the start, at 0: alerts and dashboards see them before the first refusal.
        counter(503, CONCURRENCY_LIMIT);
        counter(503, CONNECTION_CAP);
    }

    /**
     * A refusal without a request (the connection was refused or timed out before one was read).
     *
     * @param status the status answered
     * @param reason why
     */
    public void refused(int status, String reason) {
        counter(status, reason).increment();
        log.note(listener, status, reason);
    }

    /**
     * A refusal of a request, with the access-log line of its answer.
     *
     * @param status     the status answered
     * @param reason     why
     * @param entry      the access-log line
     */
    void refused(int status, String reason, AccessLogEntry entry) {
        refused(status, reason);
        AccessLog.write(entry);
    }

    /**
     * The reason label of a status answered before routing.
     *
     * @param status the status
     * @return reason
     */
    public static String reasonOf(int status) {
        return switch (status) {
            case 503 -> CONCURRENCY_LIMIT;
            case 408 -> HEAD_TIMEOUT;
            case 413 -> "body_too_large";
            case 414 -> "uri_too_long";
            case 417 -> "expectation_failed";
            case 431 -> "headers_too_large";
            case 500 -> "internal_error";
            case 501 -> "not_implemented";
            case 505 -> "http_version";
            default -> "malformed";
        };
    }

    private Counter counter(int status, String reason) {
        return counters.computeIfAbsent(status, code -> new ConcurrentHashMap<>())
                .computeIfAbsent(reason, name -> registry.getOrCreate(
                        Counter.builder(COUNTER)
                                .description("Answers the server gave before routing (refusals), by listener, status and reason")
                                .tags(List.of(Tag.create("listener", listener),
                                              Tag.create("status", Integer.toString(status)),
                                              Tag.create("reason", name)))));
    }
}
