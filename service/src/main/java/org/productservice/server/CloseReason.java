package org.productservice.server;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Why the server closed (or refused) a connection: the {@code reason} of {@code http_server_connections_closed}. */
enum CloseReason {
    /** New connection at the cap with no idle connection to close. */
    REFUSED("refused"),
    /** The request head did not arrive within {@code timeout.head}. */
    HEAD_TIMEOUT("head_timeout"),
    /** The body and the handling took longer than {@code timeout.body}. */
    BODY_TIMEOUT("body_timeout"),
    /** No next request within {@code timeout.idle} of the last response's start. */
    IDLE_TIMEOUT("idle_timeout"),
    /** The body arrived below {@code rate.body} after the grace period. */
    SLOW_BODY("slow_body"),
    /** The client read the response below {@code rate.response} after the grace period. */
    SLOW_RESPONSE("slow_response"),
    /** Closed while idle (or with a stalled head) to make room for a new connection at the cap. */
    RECLAIMED("reclaimed"),
    /** Its last answer said {@code Connection: close}: it had served {@code requests} requests. */
    MAX_REQUESTS("max_requests"),
    /** Its last answer said {@code Connection: close}: it was older than {@code lifetime}. */
    MAX_LIFETIME("max_lifetime"),
    /** Its body was refused with a 503: the bodies being received held their whole budget. */
    BODIES_BUSY("bodies_busy");

    // Meters are global, keyed by name and tags, while tests run several servers in one JVM: the
    // counts are kept per listener name, across its guards.
    private static final Map<String, Map<CloseReason, AtomicLong>> COUNTS = new ConcurrentHashMap<>();

    private final String reason;

    CloseReason(String reason) {
        this.reason = reason;
    }

    String reason() {
        return reason;
    }

    /** The counts of a listener's closed connections by reason, shared by every guard of that name. */
    static Map<CloseReason, AtomicLong> counts(String listener) {
        return COUNTS.computeIfAbsent(listener, name -> {
            Map<CloseReason, AtomicLong> counts = new EnumMap<>(CloseReason.class);
            for (CloseReason reason : values()) {
                counts.put(reason, new AtomicLong());
            }
            return counts;
        });
    }
}
