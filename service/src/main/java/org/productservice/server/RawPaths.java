package org.productservice.server;

import java.util.Locale;

import io.helidon.http.BadRequestException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Refuses request paths with dot segments or {@code ;} parameters, raw or percent-encoded, with a
 * 400. Helidon resolves {@code ..} and drops {@code ;...} before routing, while proxies in front
 * (the ingress) match the raw path: {@code /products/..;/observe/metrics} passes an ingress rule
 * for {@code /products} and would reach another route. No route of this API needs either.
 */
public final class RawPaths implements Filter {
    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String raw = req.prologue().uriPath().rawPath();
        if (confusing(raw)) {
            throw new BadRequestException("The request path must not contain '.' or '..' segments or ';' parameters");
        }
        chain.proceed();
    }

    static boolean confusing(String rawPath) {
        String path = rawPath.toLowerCase(Locale.ROOT).replace("%2e", ".").replace("%3b", ";").replace("%2f", "/")
                .replace("%5c", "/").replace('\\', '/');
        if (path.indexOf(';') >= 0) {
            return true;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return true;
            }
        }
        return false;
    }
}
