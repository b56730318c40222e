package org.productservice.server;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;

/**
 * Sends no body in any answer to a HEAD request, whoever wrote it: a handler (which answers HEAD
 * as it answers GET, so the head carries the GET's {@code Content-Length} and {@code ETag}), an
 * error handler (problem+json), or the direct handler (a refusal before routing).
 *
 * <p>Why: Helidon 4.5.0 writes whatever body a HEAD answer is given, and the client, which reads
 * no body after a HEAD (RFC 9110 9.3.2), then takes those bytes for the next response on the
 * connection. A send listener sees each answer's status, then its bytes before they are written,
 * on the connection's thread: the bytes after the head are trimmed off the buffer there. A
 * buffer that starts with the status line holds the head (and the body, if sent in one piece);
 * every later buffer of the answer is body only.
 */
public final class HeadResponses implements Http1ConnectionListener {
    private static final byte[] STATUS_LINE = {'H', 'T', 'T', 'P', '/', '1', '.'};

    @Override
    public void status(ConnectionContext ctx, Status status) {
        if (ctx instanceof WireContext wire) {
            wire.answering();
        }
    }

    @Override
    public void data(ConnectionContext ctx, BufferData data) {
        if (!(ctx instanceof WireContext wire) || wire.body() == WireContext.Body.SEND) {
            return;
        }
        if (wire.body() == WireContext.Body.AFTER_HEAD && startsWithStatusLine(data)) {
            int headEnd = headEnd(data);
            if (headEnd > 0 && headEnd < data.available()) {
                data.trim(data.available() - headEnd);
            }
        } else {
            data.skip(data.available());
        }
        wire.bodyDropped();
    }

    private static boolean startsWithStatusLine(BufferData data) {
        if (data.available() < STATUS_LINE.length) {
            return false;
        }
        for (int i = 0; i < STATUS_LINE.length; i++) {
            if (data.get(i) != STATUS_LINE[i]) {
                return false;
            }
        }
        return true;
    }

    /** Length of the head (status line, fields and the empty line), or -1. */
    private static int headEnd(BufferData data) {
        int available = data.available();
        for (int i = 3; i < available; i++) {
            if (data.get(i) == '\n' && data.get(i - 1) == '\r' && data.get(i - 2) == '\n' && data.get(i - 3) == '\r') {
                return i + 1;
            }
        }
        return -1;
    }
}
