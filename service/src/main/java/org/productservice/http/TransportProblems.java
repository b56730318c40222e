package org.productservice.http;

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
        String detail = detail(status, message);
        TransportResponse.Builder response = TransportResponse.builder()
                .status(status)
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, Problems.MEDIA_TYPE)
                .header(RequestObserver.REQUEST_ID, requestId)
                .keepAlive(eventType.keepAlive())
                .entity(Problems.body(status, detail, request.path(), requestId, List.of()));
        if (status.code() == Status.SERVICE_UNAVAILABLE_503.code()) {
            response.header(HeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds));
        }
        return response.build();
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
