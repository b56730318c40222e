package org.productservice.tracing;

import java.net.InetSocketAddress;

import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * One server span per request, named by its route template ({@code GET /products/{id}}), with
 * the HTTP semantic-convention attributes. The caller's W3C {@code traceparent},
 * {@code tracestate} and {@code baggage}, or AWS X-Ray's {@code X-Amzn-Trace-Id}, are continued. The span is current while the request
 * is handled, so the DynamoDB spans become its children; its trace and span ids go to the
 * logging MDC ({@code trace_id}, {@code span_id}) for every log line of the request.
 *
 * <p>Never recorded: bodies, headers, the query string (a product name in {@code ?name=} is user
 * data) and exception messages; only the path, the route template, the status and error types.
 */
final class ServerSpans implements Filter {
    /** MDC key (and JSON log field) of the trace id. */
    static final String TRACE_ID = "trace_id";
    /** MDC key (and JSON log field) of the span id. */
    static final String SPAN_ID = "span_id";

    private static final TextMapGetter<ServerRequestHeaders> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(ServerRequestHeaders headers) {
            return headers.stream().map(header -> header.name()).toList();
        }

        @Override
        public String get(ServerRequestHeaders headers, String key) {
            return headers == null ? null : headers.first(HeaderNames.create(key)).orElse(null);
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final String untraced;
    private final Runnable onStop;

    ServerSpans(Tracer tracer, TextMapPropagator propagator, String untraced, Runnable onStop) {
        this.tracer = tracer;
        this.propagator = propagator;
        this.untraced = untraced;
        this.onStop = onStop;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().rawPath();
        if (path.equals(untraced) || path.startsWith(untraced + "/")) {
            chain.proceed();
            return;
        }
        String method = req.prologue().method().text();
        Context parent = propagator.extract(Context.root(), req.headers(), HEADERS);
        var builder = tracer.spanBuilder(method)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", method)
                .setAttribute("url.scheme", req.isSecure() ? "https" : "http")
                .setAttribute("url.path", path)
                .setAttribute("network.protocol.version", req.prologue().protocolVersion())
                .setAttribute("server.port", (long) req.localPeer().port());
        if (req.remotePeer().address() instanceof InetSocketAddress peer && peer.getAddress() != null) {
            builder.setAttribute("client.address", peer.getAddress().getHostAddress());
        }
        Span span = builder.startSpan();
        SpanContext ids = span.getSpanContext();
        res.whenSent(() -> end(span, method, req, res));
        HelidonMdc.set(TRACE_ID, ids.getTraceId());
        HelidonMdc.set(SPAN_ID, ids.getSpanId());
        try (Scope ignored = parent.with(span).makeCurrent()) {
            chain.proceed();
        } catch (RuntimeException | Error e) {
            // The error handler answers after this filter returns; the span ends when it has.
            span.setAttribute("exception.type", e.getClass().getName());
            throw e;
        } finally {
            if (res.isSent()) {
                clearMdc();
            } else {
                // Keep the ids for the error handler's log lines and the access line it triggers.
                res.whenSent(ServerSpans::clearMdc);
            }
        }
    }

    @Override
    public void afterStop() {
        onStop.run();
    }

    private static void end(Span span, String method, RoutingRequest req, RoutingResponse res) {
        int status = res.status().code();
        req.matchingPattern().map(ServerSpans::normalize).ifPresent(route -> {
            span.setAttribute("http.route", route);
            span.updateName(method + " " + route);
        });
        span.setAttribute("http.response.status_code", (long) status);
        if (status >= 500) {
            // Server spans: only 5xx is an error; a 4xx is the client's (semantic conventions).
            span.setAttribute("error.type", Integer.toString(status));
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    private static void clearMdc() {
        HelidonMdc.remove(TRACE_ID);
        HelidonMdc.remove(SPAN_ID);
    }

    /** Routes registered as "/" under a service match as "/products/": report them as "/products". */
    private static String normalize(String pattern) {
        return pattern.length() > 1 && pattern.endsWith("/") ? pattern.substring(0, pattern.length() - 1) : pattern;
    }
}
