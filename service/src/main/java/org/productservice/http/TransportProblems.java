package org.productservice.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;

/**
 * Problem+json for the errors the server answers before any route runs: an unparseable request
 * line, headers over the size limit, a body over the size limit, a request refused by the
 * concurrency limit. Without it those would be plain text, unlike every other error of the API.
 */
public final class TransportProblems implements DirectHandler {
    private static final int MAX_DETAIL = 200;
    // Helidon's Status has no constant for 431 (RFC 6585).
    private static final Status HEADERS_TOO_LARGE = Status.create(431, "Request Header Fields Too Large");

    private final long retryAfterSeconds;

    /**
     * Creates the handler.
     *
     * @param retryAfterSeconds Retry-After of 503 answers (overload)
     */
    public TransportProblems(long retryAfterSeconds) {
        this.retryAfterSeconds = retryAfterSeconds;
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
        TransportResponse.Builder response = TransportResponse.builder()
                .status(status)
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, Problems.MEDIA_TYPE)
                .header(RequestObserver.REQUEST_ID, requestId)
                // Always close after an answer from here: the request was not read to its end, so the next
                // bytes on the connection are not a request (Helidon 4.5.0 parses them as one: the
                // 413-then-400 of an oversized chunked body).
                .keepAlive(false)
                .entity(Problems.body(status, detail, request.path(), requestId, List.of()));
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
        byte[] body = Problems.body(status, detail, "", "none", List.of());
        String head = "HTTP/1.1 " + status.code() + " " + status.reasonPhrase() + "\r\n"
                + "Content-Type: " + Problems.MEDIA_TYPE + "\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + (status.code() == Status.SERVICE_UNAVAILABLE_503.code() ? "Retry-After: 1\r\n" : "")
                + "Connection: close\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
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
