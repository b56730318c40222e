package org.productservice.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;

/**
 * Takes {@code Content-Length: 0} off 204 and 304 answers, just before their head is written.
 *
 * <p>Why here: Helidon 4 sets that header on every answer without a body, 204 and 304 included,
 * in {@code status()} and again when sending, so no handler can leave it out. RFC 9110 forbids
 * it on a 204 (section 8.6), and on a 304 it may only carry the length the 200 would have had,
 * which "0" is not. A send listener sees the status and then the headers of each answer, in that
 * order and on the connection's thread, before they are written; neither answer has a body to
 * frame, so dropping the header changes nothing else on the connection.
 */
public final class BodilessContentLength implements Http1ConnectionListener {
    private static final ThreadLocal<Status> STATUS = new ThreadLocal<>();

    @Override
    public void status(ConnectionContext ctx, Status status) {
        STATUS.set(status);
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        Status status = STATUS.get();
        STATUS.remove();
        if (status != null && (status.code() == Status.NO_CONTENT_204.code() || status.code() == Status.NOT_MODIFIED_304.code())
                && headers instanceof WritableHeaders<?> writable) {
            writable.remove(HeaderNames.CONTENT_LENGTH);
        }
    }
}
