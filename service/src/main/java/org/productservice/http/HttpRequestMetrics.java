package org.productservice.http;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import org.productservice.observability.LatencyBuckets;

/**
 * The {@code http_server_requests_seconds} histogram (docs/METRICS.md) and its labels: method,
 * route template and status. Label values are bounded, since each is a timer kept for the life of
 * the process: routes that match no handler share {@link #UNMATCHED}, methods other than the
 * standard nine share {@code OTHER}.
 */
public final class HttpRequestMetrics {
    /** Name of the request-duration timer. */
    public static final String HTTP_TIMER = "http.server.requests";
    /** Route label of a request that matched no route, so that scanners cannot blow up the metrics. */
    static final String UNMATCHED = "UNMATCHED";
    /** Method label of any method but the standard ones (Helidon accepts any token as a method). */
    static final String OTHER_METHOD = "OTHER";

    private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                                            "OPTIONS", "TRACE", "CONNECT");

    private final MeterRegistry registry;
    private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

    /**
     * Creates the meters' home.
     *
     * @param registry where the HTTP timer is registered
     */
    public HttpRequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The method's label: the standard methods by name, any other as {@code OTHER}.
     *
     * @param method the request's method
     * @return the label
     */
    static String methodLabel(String method) {
        return KNOWN_METHODS.contains(method) ? method : OTHER_METHOD;
    }

    /** Records one request, by its labels. */
    void record(String method, String route, int status, long nanos) {
        timer(method, route, status).record(Duration.ofNanos(nanos));
    }

    private Timer timer(String method, String route, int status) {
        // Building the meter id on every request showed as 5 % of CPU in a profile (docs/PERFORMANCE.md).
        return timers.computeIfAbsent(new TimerKey(method, route, status), key -> newTimer(method, route, status));
    }

    private Timer newTimer(String method, String route, int status) {
        return registry.getOrCreate(Timer.builder(HTTP_TIMER)
                                            .description("HTTP requests by route template, method and status")
                                            .tags(List.of(Tag.create("method", method),
                                                          Tag.create("route", route),
                                                          Tag.create("status", Integer.toString(status))))
                                            .buckets(LatencyBuckets.bounds()));
    }

    private record TimerKey(String method, String route, int status) {
    }
}
