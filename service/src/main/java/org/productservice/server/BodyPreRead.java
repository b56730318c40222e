package org.productservice.server;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;

import org.productservice.http.Refusals;
import org.productservice.http.TransportProblems;

/**
 * Receives a request's body before Helidon takes a concurrency permit for the request, so that a
 * slow body holds no permit.
 *
 * <p>Helidon 4.5.0 never calls a receive listener's {@code data} method, so progress inside a body
 * is invisible to a listener; but the receive listener's {@code headers} runs on the connection's
 * thread just before the permit is taken, with the connection's reader at hand. There the whole
 * body (at most {@code limits.body}) is pulled into the reader's buffer, where Helidon's parser
 * later finds it, and every arrival is seen: past the grace period the body must keep up the
 * minimum rate. What slow bodies may hold there in total is bounded ({@code limits.concurrency} ×
 * {@code limits.body}, what the permits allow anyway); beyond that a body is refused with a 503.
 */
final class BodyPreRead {
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Why the guard closed the connection of this thread while it received a body; the thread ends with it. */
    private static final ThreadLocal<CloseReason> CLOSED_ON_THIS_THREAD = new ThreadLocal<>();
    /** Reads of one body made here; a client that trickles more pieces is left to Helidon's parser. */
    private static final int MAX_BODY_READS = 4096;

    private final ConnectionSettings settings;
    private final long maxBody;
    private final long bodyBudget;
    private final AtomicLong bodiesReceiving = new AtomicLong();
    private final Map<CloseReason, AtomicLong> closed;
    private final Refusals refusals;
    private final byte[] bodiesBusy;

    BodyPreRead(ConnectionSettings settings, long maxBody, int concurrency, Map<CloseReason, AtomicLong> closed,
                Refusals refusals) {
        this.settings = settings;
        this.maxBody = maxBody;
        this.bodyBudget = maxBody * concurrency;
        this.closed = closed;
        this.refusals = refusals;
        this.bodiesBusy = TransportProblems.closingResponse(Status.SERVICE_UNAVAILABLE_503,
                                                            "The service is receiving too many request bodies. Retry later.");
    }

    /** Why the guard closed this thread's connection while its body was received here, if it did. */
    static Optional<CloseReason> closedOnThisThread() {
        return Optional.ofNullable(CLOSED_ON_THIS_THREAD.get());
    }

    /**
     * Pulls the request's body into the connection's reader, checking the body's rate as it
     * arrives. Requests whose framing Helidon refuses (too large, both lengths, an unknown
     * expectation) are left for Helidon to answer.
     */
    void receive(ConnectionContext ctx, Headers headers, ConnectionWatch watch) {
        boolean chunked = headers.contains(HeaderNames.TRANSFER_ENCODING);
        long length;
        if (chunked) {
            if (headers.contains(HeaderNames.CONTENT_LENGTH)) {
                return;
            }
            length = maxBody;
        } else if (headers.contains(HeaderNames.CONTENT_LENGTH)) {
            try {
                length = headers.contentLength().orElse(0);
            } catch (IllegalArgumentException invalid) {
                return;
            }
            if (length <= 0 || length > maxBody) {
                return;
            }
        } else {
            return;
        }
        if (headers.contains(HeaderNames.EXPECT)) {
            if (!headers.containsToken(HeaderValues.EXPECT_100) || !(headers instanceof WritableHeaders<?> writable)) {
                return;
            }
            // The client waits for this before it sends the body; Helidon must not send a second one.
            writable.remove(HeaderNames.EXPECT);
            ctx.dataWriter().writeNow(BufferData.create(CONTINUE));
        }
        if (bodiesReceiving.addAndGet(length) > bodyBudget) {
            bodiesReceiving.addAndGet(-length);
            watch.closeRequested = true;
            closed.get(CloseReason.BODIES_BUSY).incrementAndGet();
            refusals.refused(Status.SERVICE_UNAVAILABLE_503.code(), CloseReason.BODIES_BUSY.reason());
            ctx.dataWriter().writeNow(BufferData.create(bodiesBusy));
            throw new CloseConnectionException("too many request bodies being received");
        }
        try {
            pull(ctx.dataReader(), chunked ? new ChunkedBodyEnd(maxBody + 8192) : null, length, watch);
        } catch (RuntimeException lost) {
            // End of stream, or the socket closed by the watchdog. The request still goes on: the handler's
            // read of the body fails at once (no permit is held for long), and the request is recorded like
            // any abandoned one, 499 or 408 with the reason (the socket has no peer address any more, so the
            // reason is left with this thread for ConnectionFaults).
            watch.closeRequested = true;
            CloseReason reason = watch.closedFor;
            if (reason != null) {
                CLOSED_ON_THIS_THREAD.set(reason);
            }
        } finally {
            bodiesReceiving.addAndGet(-length);
        }
    }

    private void pull(DataReader reader, ChunkedBodyEnd chunks, long length, ConnectionWatch watch) {
        int initial = reader.available();
        if (chunks == null && initial >= length) {
            // All there with the head, as most bodies are: nothing to wait for, no deadline to move.
            return;
        }
        long start = System.nanoTime();
        long bodyEnd = watch.headEnd + settings.body().toNanos();
        int received = initial;
        for (int reads = 0; !received(reader, chunks, received, length); reads++) {
            if (reads == MAX_BODY_READS) {
                // So many tiny pieces: leave the rest to Helidon (read under the permit, in the body timeout),
                // and close the connection after the answer, whatever was left unread.
                watch.closeRequested = true;
                return;
            }
            long rateDeadline = start + settings.grace().toNanos() + ConnectionSettings.nanosFor(received - initial,
                                                                                               settings.bodyRate());
            watch.expireAt(Math.min(rateDeadline, bodyEnd),
                           rateDeadline < bodyEnd ? CloseReason.SLOW_BODY : CloseReason.BODY_TIMEOUT);
            reader.pullData();
            received = reader.available();
        }
        watch.expireAt(bodyEnd, CloseReason.BODY_TIMEOUT);
    }

    private static boolean received(DataReader reader, ChunkedBodyEnd chunks, int received, long length) {
        if (chunks == null) {
            return received >= length;
        }
        return received > 0 && chunks.over(reader.getBuffer(received));
    }
}
