package org.productservice.server;

import io.helidon.common.buffers.BufferData;

/**
 * What the first bytes of a new connection hold, as its connection selectors see them:
 * {@link Http1Wire} takes HTTP/1 lines, {@link UnparseableRequests} answers the rest.
 */
enum FirstLine {
    /** No whole line yet, and not longer than a request line may be. */
    PARTIAL,
    /** No whole line yet, and already longer than a request line may be. */
    TOO_LONG,
    /** A request line of HTTP/1.1 or HTTP/1.0. */
    HTTP1,
    /** Any other line. */
    OTHER;

    private static final String HTTP_1_1 = " HTTP/1.1\r";
    private static final String HTTP_1_0 = " HTTP/1.0\r";

    /**
     * Looks at a connection's first bytes.
     *
     * @param request        the bytes received so far (read from, as selectors may)
     * @param maxRequestLine the HTTP/1 configuration's {@code maxPrologueLength}
     * @return what they hold
     */
    static FirstLine of(BufferData request, int maxRequestLine) {
        int lf = request.indexOf((byte) '\n');
        if (lf == -1) {
            return request.available() <= maxRequestLine ? PARTIAL : TOO_LONG;
        }
        return isHttp1(request.readString(lf)) ? HTTP1 : OTHER;
    }

    /** Whether a line (without its LF) is the request line of HTTP/1.1 or HTTP/1.0. */
    static boolean isHttp1(String line) {
        return line.endsWith(HTTP_1_1) || line.endsWith(HTTP_1_0);
    }

    /** Whether a line (without its LF) is the request line of HTTP/1.0. */
    static boolean isHttp10(String line) {
        return line.endsWith(HTTP_1_0);
    }
}
