package org.productservice.http;

import java.util.UUID;
import java.util.regex.Pattern;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

/**
 * Every request's id: the client's {@code X-Request-Id} when that is a sane token, else a new
 * UUID. It is echoed in the response, set in the logging MDC (by {@link RequestObserver}) and put
 * in every problem body and access-log line.
 */
public final class RequestIds {
    /** Header carrying the request id, both ways. */
    public static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");
    /** MDC key (and JSON log field) of the request id. */
    public static final String MDC_KEY = "request_id";

    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private RequestIds() {
    }

    /**
     * The id of a request, as assigned by {@link RequestObserver}.
     *
     * @param req the request
     * @return request id ("unknown" if the filter did not run, which only happens in unit tests)
     */
    public static String requestId(ServerRequest req) {
        return req.context().get(RequestId.class).map(RequestId::value).orElse("unknown");
    }

    /** Gives a request its id, kept in its context and echoed in the response. */
    static String assign(RoutingRequest req, RoutingResponse res) {
        String id = req.headers().first(REQUEST_ID)
                .filter(value -> SAFE_ID.matcher(value).matches())
                .orElseGet(() -> UUID.randomUUID().toString());
        req.context().register(new RequestId(id));
        res.header(REQUEST_ID, id);
        return id;
    }

    /** The request id, kept in the request's context. */
    private record RequestId(String value) {
    }
}
