package org.productservice.server;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;

/**
 * Sends a streamed answer of unknown length to an HTTP/1.0 client without chunked framing, which
 * 1.0 does not know (RFC 9112 6.1: no Transfer-Encoding unless the request is 1.1): the body is
 * then delimited by the end of the connection, which {@link Http1Wire} closes after the one
 * request of a 1.0 client anyway. Helidon 4.5.0 frames an answer whose length it does not know
 * in chunks (the health endpoints do); it is given the request as HTTP/1.1.
 *
 * <p>A send listener sees the head's fields before they are written, then each buffer: the head
 * alone (it starts with the status line), then one buffer per chunk ({@code size CRLF data CRLF})
 * and the last chunk ({@code 0 CRLF CRLF}); the framing is cut off each chunk's buffer.
 */
public final class Http10Responses implements Http1ConnectionListener {
    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        if (ctx instanceof WireContext wire && wire.http10()
                && headers.containsToken(HeaderValues.TRANSFER_ENCODING_CHUNKED)
                && headers instanceof WritableHeaders<?> writable) {
            writable.remove(HeaderNames.TRANSFER_ENCODING);
            wire.unchunk(true);
        }
    }

    @Override
    public void data(ConnectionContext ctx, BufferData data) {
        if (!(ctx instanceof WireContext wire) || !wire.unchunk() || data.available() == 0
                || data.get(0) == 'H') {
            // not chunked, or the head (which starts with "HTTP/1.1 ")
            return;
        }
        int lf = -1;
        for (int i = 0; i < data.available(); i++) {
            if (data.get(i) == '\n') {
                lf = i;
                break;
            }
        }
        if (lf < 0) {
            return;
        }
        data.skip(lf + 1);
        // every chunk ends in CRLF, the last (empty) one too
        data.trim(Math.min(2, data.available()));
    }
}
