package org.productservice.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;

import org.productservice.server.Http1Wire;

/**
 * Problem+json for the errors the server answers before any route runs: an unparseable request
 * line, headers over the size limit, a body over the size limit, a request refused by the
 * concurrency limit. Without it those would be plain text, unlike every other error of the API.
 *
 * <p>Each answer is a refusal: counted, logged and written to the access log by {@link Refusals},
 * with the request's method, path and route when a request line was read (Helidon passes none
 * with the limiter's 503; {@link Http1Wire#current()} knows it), and the path as the problem's
 * {@code instance}.
 */
public final class TransportProblems implements DirectHandler {
    private static final int MAX_DETAIL = 200;
    // Helidon's Status has no constant for 431 (RFC 6585).
    private static final Status HEADERS_TOO_LARGE = Status.create(431, "Request Header Fields Too Large");

    private final long retryAfterSeconds;
    private final Refusals refusals;
    private final RouteTemplates routes;

    /**
     * Creates the handler.
     *
     * @param retryAfterSeconds Retry-After of 503 answers (overload)
     * @param refusals          the listener's refusals
     * @param routes            route templates of the listener's paths, for the access log
     */
    public TransportProblems(long retryAfterSeconds, Refusals refusals, RouteTemplates routes) {
        this.retryAfterSeconds = retryAfterSeconds;
        this.refusals = refusals;
        this.routes = routes;
    }

    @Override
    public TransportResponse handle(TransportRequest request,
                                    EventType eventType,
                                    Status status,
                                    ServerResponseHeaders headers,
                                    String message) {
        String requestId = UUID.randomUUID().toString();
        if (eventType == EventType.INTERNAL_ERROR && status.code() == Status.INTERNAL_SERVER_ERROR_500.code()) {
            // Outside routing, Helidon 4.5.0 raises this for request lines it fails to parse (a bad
            // method token, a tab): a client fault. It also logs a WARNING with a stack trace for
            // every 500 it sends from here, which a 400 avoids.
            status = Status.BAD_REQUEST_400;
            message = "Malformed request line";
        } else if (status.code() == Status.BAD_REQUEST_400.code() && message != null
                && message.contains("Header size exceeded")) {
            status = HEADERS_TOO_LARGE;
            message = "The request headers are larger than this service accepts.";
        }
        String detail = detail(status, message);
        Http1Wire.WireRequest current = Http1Wire.current().orElse(null);
        HttpPrologue prologue = current == null ? null : current.prologue();
        String path = !request.path().isEmpty() ? request.path() : prologue == null ? "" : prologue.uriPath().rawPathNoParams();
        String method = !request.method().isEmpty() ? request.method() : prologue == null ? "" : prologue.method().text();
        long nanos = current == null ? 0 : System.nanoTime() - current.startNanos();
        String route = routes.match(path);
        refusals.refused(status.code(), Refusals.reasonOf(status.code()),
                         new AccessLogEntry(requestId, HttpRequestMetrics.methodLabel(method),
                                            route == null ? HttpRequestMetrics.UNMATCHED : route, path,
                                            status.code(), nanos / 1_000_000.0, null));
        TransportResponse.Builder response = TransportResponse.builder()
                .status(status)
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, Problems.MEDIA_TYPE)
                .header(RequestIds.REQUEST_ID, requestId)
                // Always close after an answer from here: the request was not read to its end, so the next
                // bytes on the connection are not a request (Helidon 4.5.0 parses them as one: the
                // 413-then-400 of an oversized chunked body).
                .keepAlive(false)
                .entity(Problems.body(status, detail, path, requestId, List.of()));
        if (status.code() == Status.SERVICE_UNAVAILABLE_503.code()) {
            response.header(HeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds));
        }
        return response.build();
    }

    /**
     * A complete HTTP/1.1 problem response that closes the connection, for the rare places that
     * answer on a raw socket (a connection over the cap, a request that timed out).
     *
     * @param status status
     * @param detail human-readable detail
     * @return the response bytes
     */
    public static byte[] closingResponse(Status status, String detail) {
        return closingResponse(status, detail, false);
    }

    /**
     * A complete HTTP/1.1 problem response that closes the connection.
     *
     * @param status status
     * @param detail human-readable detail
     * @param headOnly whether it answers a HEAD request: then without the body (its length is still given)
     * @return the response bytes
     */
    public static byte[] closingResponse(Status status, String detail, boolean headOnly) {
        byte[] body = Problems.body(status, detail, "", "none", List.of());
        String text = "HTTP/1.1 " + status.code() + " " + status.reasonPhrase() + "\r\n"
                + "Content-Type: " + Problems.MEDIA_TYPE + "\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + (status.code() == Status.SERVICE_UNAVAILABLE_503.code() ? "Retry-After: 1\r\n" : "")
                + "Connection: close\r\n\r\n";
        byte[] headBytes = text.getBytes(StandardCharsets.US_ASCII);
        if (headOnly) {
            return headBytes;
        }
        byte[] response = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, response, headBytes.length, body.length);
        return response;
    }

    private static String detail(Status status, String message) {
        if (status.code() == Status.SERVICE_UNAVAILABLE_503.code()) {
            return "The service is at its concurrency limit. Retry later.";
        }
        if (status.code() == Status.REQUEST_ENTITY_TOO_LARGE_413.code()) {
            return "The request body is larger than this service accepts.";
        }
        if (message == null || message.isBlank()) {
            return status.reasonPhrase();
        }
        String firstLine = message.lines().findFirst().orElse(message);
        return firstLine.length() > MAX_DETAIL ? firstLine.substring(0, MAX_DETAIL) : firstLine;
    }
}
