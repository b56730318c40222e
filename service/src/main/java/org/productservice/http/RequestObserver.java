package org.productservice.http;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.helidon.http.Status;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

import org.productservice.server.AbandonedRequest;

/**
 * The API listener's filter around every routed request: gives it its id ({@link RequestIds},
 * also in the logging MDC while it is served), answers a method outside the standard ones with
 * 501, and, once the response is sent, records it in the {@code http_server_requests_seconds}
 * histogram ({@link HttpRequestMetrics}) and writes its access-log line ({@link AccessLog}).
 */
public final class RequestObserver implements Filter {
    // The listener this filter observes (the API's): the name its refusals are logged under.
    private static final String LISTENER = WebServer.DEFAULT_SOCKET_NAME;

    private final HttpRequestMetrics metrics;
    private final Function<ServerRequest, Optional<String>> principal;
    private final RouteTemplates routes;

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
        this.metrics = new HttpRequestMetrics(registry);
        this.principal = principal;
        this.routes = routes;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        String id = RequestIds.assign(req, res);
        String method = HttpRequestMetrics.methodLabel(req.prologue().method().text());
        res.whenSent(() -> record(req, id, method, res.status().code(), start));
        HelidonMdc.set(RequestIds.MDC_KEY, id);
        try {
            if (method.equals(HttpRequestMetrics.OTHER_METHOD)) {
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
            HelidonMdc.remove(RequestIds.MDC_KEY);
        }
    }

    private void record(RoutingRequest req, String id, String method, int status, long start) {
        long nanos = System.nanoTime() - start;
        String path = req.path().absolute().path();
        String route = routes.match(path);
        if (route == null) {
            route = req.matchingPattern().map(RequestObserver::normalize).orElse(HttpRequestMetrics.UNMATCHED);
        }
        metrics.record(method, route, status, nanos);
        if (status == Status.UNAUTHORIZED_401.code() || status == Status.FORBIDDEN_403.code()) {
            RefusalLog.shared().note(LISTENER, status, "auth");
        }
        if (AccessLog.enabled()) {
            AccessLog.write(new AccessLogEntry(id, method, route, path, status, nanos / 1_000_000.0,
                                               principal.apply(req).orElse(null)));
        }
    }

    /** Routes registered as "/" under a service match as "/products/": report them as "/products". */
    private static String normalize(String pattern) {
        return pattern.length() > 1 && pattern.endsWith("/") ? pattern.substring(0, pattern.length() - 1) : pattern;
    }
}
