package org.productservice.http;

import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

import org.productservice.observability.LatencyBuckets;
import org.productservice.server.AbandonedRequest;

/**
 * Gives every request an id, then, once the response is sent, writes one access-log line and
 * records the request in the {@code http_server_requests_seconds} histogram. The id comes from
 * the client's {@code X-Request-Id} when that is a sane token, else a new UUID; it is echoed in
 * the response, set in the logging MDC and put in every problem body.
 */
public final class RequestObserver implements Filter {
    /** Header carrying the request id, both ways. */
    public static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");
    /** MDC key (and JSON log field) of the request id. */
    public static final String MDC_KEY = "request_id";
    /** Name of the request-duration timer. */
    public static final String HTTP_TIMER = "http.server.requests";

    private static final Logger ACCESS = Logger.getLogger("org.productservice.access");
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    // Routes that did not match any handler share one label, so scanners cannot blow up the metrics.
    static final String UNMATCHED = "UNMATCHED";
    // Helidon accepts any token as a method: only the standard ones become labels, the rest one
    // OTHER label (each label value is a timer kept for the life of the process).
    private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                                            "OPTIONS", "TRACE", "CONNECT");
    private static final String OTHER_METHOD = "OTHER";
    // The listener this filter observes (the API's): the name its refusals are logged under.
    private static final String LISTENER = WebServer.DEFAULT_SOCKET_NAME;

    /** The last default format locale seen by the access line's duration, and whether it is plain. */
    private static volatile PlainLocale plainLocale = new PlainLocale(null, false);

    private final MeterRegistry registry;
    private final Function<ServerRequest, Optional<String>> principal;
    private final RouteTemplates routes;
    private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

    /**
     * Creates the filter.
     *
     * @param registry  where the HTTP timer is registered
     * @param principal who made a request, once served (written in the access log)
     * @param routes    route templates named even when a request is answered before its route matches
     *                  (refused by authentication)
     */
    public RequestObserver(MeterRegistry registry, Function<ServerRequest, Optional<String>> principal,
                           RouteTemplates routes) {
        this.registry = registry;
        this.principal = principal;
        this.routes = routes;
    }

    /**
     * The id of a request, as set by this filter.
     *
     * @param req the request
     * @return request id ("unknown" if the filter did not run, which only happens in unit tests)
     */
    public static String requestId(ServerRequest req) {
        return req.context().get(RequestId.class).map(RequestId::value).orElse("unknown");
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        String id = req.headers().first(REQUEST_ID)
                .filter(value -> SAFE_ID.matcher(value).matches())
                .orElseGet(() -> UUID.randomUUID().toString());
        req.context().register(new RequestId(id));
        res.header(REQUEST_ID, id);
        String method = methodLabel(req.prologue().method().text());
        res.whenSent(() -> record(req, id, method, res.status().code(), start));
        HelidonMdc.set(MDC_KEY, id);
        try {
            if (method.equals(OTHER_METHOD)) {
                Problems.send(req, res, Status.NOT_IMPLEMENTED_501, "This server does not implement that method.",
                              List.of());
                return;
            }
            chain.proceed();
        } catch (AbandonedRequest e) {
            // No response will be sent (the connection is gone): record the outcome here instead.
            record(req, id, method, e.status(), start);
            throw e;
        } finally {
            HelidonMdc.remove(MDC_KEY);
        }
    }

    private void record(RoutingRequest req, String id, String method, int status, long start) {
        long nanos = System.nanoTime() - start;
        String path = req.path().absolute().path();
        String route = routes.match(path);
        if (route == null) {
            route = req.matchingPattern().map(RequestObserver::normalize).orElse(UNMATCHED);
        }
        timer(method, route, status).record(Duration.ofNanos(nanos));
        if (status == Status.UNAUTHORIZED_401.code() || status == Status.FORBIDDEN_403.code()) {
            RefusalLog.shared().note(LISTENER, status, "auth");
        }
        if (ACCESS.isLoggable(Level.INFO)) {
            logAccess(new AccessLogEntry(id, method, route, path, status, nanos / 1_000_000.0,
                                         principal.apply(req).orElse(null)));
        }
    }

    /** Writes one access-log line. */
    static void logAccess(AccessLogEntry entry) {
        if (ACCESS.isLoggable(Level.INFO)) {
            LogRecord line = new LogRecord(Level.INFO, "{0}");
            line.setLoggerName(ACCESS.getName());
            line.setParameters(new Object[] {entry});
            ACCESS.log(line);
        }
    }

    /**
     * The method's label: the standard methods by name, any other as OTHER (each label value is a
     * timer kept for the life of the process).
     */
    static String methodLabel(String method) {
        return KNOWN_METHODS.contains(method) ? method : OTHER_METHOD;
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

    /** Routes registered as "/" under a service match as "/products/": report them as "/products". */
    private static String normalize(String pattern) {
        return pattern.length() > 1 && pattern.endsWith("/") ? pattern.substring(0, pattern.length() - 1) : pattern;
    }

    private record TimerKey(String method, String route, int status) {
    }

    /**
     * The request id, kept in the request's context.
     *
     * @param value the id
     */
    record RequestId(String value) {
    }

    /**
     * One access-log line; the log formatters render it as fields (JSON) or as its {@link #toString()} (text).
     *
     * @param requestId  request id
     * @param method     HTTP method
     * @param route      route template, never the raw path with ids
     * @param path       raw path (kept out of metrics, useful in logs)
     * @param status     response status
     * @param durationMs time to the last byte of the response
     * @param principal  the authenticated caller, null if none
     */
    public record AccessLogEntry(String requestId, String method, String route, String path, int status, double durationMs,
                                 String principal) {
        @Override
        public String toString() {
            StringBuilder text = new StringBuilder(128).append(method).append(' ').append(path).append(" -> ").append(status)
                    .append(" in ");
            appendOneDecimal(text, durationMs);
            text.append(" ms (route ").append(route).append(", request ").append(requestId);
            if (principal != null) {
                text.append(", principal ").append(principal);
            }
            return text.append(')').toString();
        }

        /**
         * Appends a value as {@code String.format("%.1f", value)} writes it, without the cost of a
         * Formatter per access line: that rounds the shortest decimal of the double ({@link
         * Double#toString}) half up, and writes it in the default format locale.
         */
        static void appendOneDecimal(StringBuilder out, double value) {
            if (value >= 0 && value < 1e7 && Double.doubleToRawLongBits(value) >= 0 && plainDecimals()) {
                if (value < 1e-3) {
                    // Below 0.05 anyway; Double.toString would switch to scientific notation here.
                    out.append("0.0");
                    return;
                }
                String shortest = Double.toString(value);
                int dot = shortest.indexOf('.');
                long tenths = Long.parseLong(shortest, 0, dot, 10) * 10 + (shortest.charAt(dot + 1) - '0');
                if (dot + 2 < shortest.length() && shortest.charAt(dot + 2) >= '5') {
                    tenths++;
                }
                out.append(tenths / 10).append('.').append((char) ('0' + tenths % 10));
            } else {
                out.append(String.format("%.1f", value));
            }
        }

        /** Whether the default format locale writes ASCII digits and a dot, as the fast path does. */
        private static boolean plainDecimals() {
            Locale locale = Locale.getDefault(Locale.Category.FORMAT);
            PlainLocale known = plainLocale;
            if (known.locale != locale) {
                DecimalFormatSymbols symbols = DecimalFormatSymbols.getInstance(locale);
                known = new PlainLocale(locale, symbols.getZeroDigit() == '0' && symbols.getDecimalSeparator() == '.');
                plainLocale = known;
            }
            return known.plain;
        }
    }

    private record PlainLocale(Locale locale, boolean plain) {
    }
}
