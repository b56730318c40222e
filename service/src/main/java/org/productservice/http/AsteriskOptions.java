package org.productservice.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Answers {@code OPTIONS *}, a question about the server as a whole (RFC 9110 9.3.7), with 204
 * and the methods the server implements in {@code Allow}. Helidon routes the target {@code *}
 * as a path, which no route matches: it was a 404.
 */
public final class AsteriskOptions implements Filter {
    /** The methods this server implements on some resource. */
    static final String ALLOW = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (req.prologue().method() == Method.OPTIONS && req.prologue().uriPath().rawPath().equals("*")) {
            res.header(HeaderNames.ALLOW, ALLOW);
            res.status(Status.NO_CONTENT_204).send();
            return;
        }
        chain.proceed();
    }
}
