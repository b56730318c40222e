package org.productservice.server;

import java.nio.channels.SocketChannel;

/**
 * One connection as the {@link ConnectionGuard} watches it: its phase and the deadline of that
 * phase. The deadline, its reason and the phase are written by the connection's thread and read
 * by the watchdog and the accepting thread; the counters are the connection thread's own.
 */
final class ConnectionWatch {
    /** The phases of a connection. */
    enum Phase {
        /** Waiting for a complete request head. */
        HEAD,
        /** Reading the body and handling the request. */
        BODY,
        /** Writing the response. */
        RESPONDING,
        /** Response written, waiting for the next request line. */
        IDLE
    }

    final SocketChannel channel;
    final long opened;
    volatile Phase phase = Phase.HEAD;
    volatile long since;
    volatile long deadline;
    volatile CloseReason onExpiry = CloseReason.HEAD_TIMEOUT;
    /** The connection ends after the current answer. */
    volatile boolean closeRequested;
    /** Why the guard closed it, once it did. */
    volatile CloseReason closedFor;
    /** When the watchdog closes the socket of a connection it ended, whether its 408 got through or not. */
    volatile long closeBy;
    volatile boolean headRequest;
    int requests;
    long headEnd;
    private long responseStart;
    private long responseEnd;
    private long responseBytes;

    ConnectionWatch(SocketChannel channel, long opened, long deadline) {
        this.channel = channel;
        this.opened = opened;
        this.since = opened;
        this.deadline = deadline;
    }

    void next(Phase next, long now, long nextDeadline, CloseReason reason) {
        expireAt(nextDeadline, reason);
        since = now;
        phase = next;
    }

    void expireAt(long nextDeadline, CloseReason reason) {
        onExpiry = reason;
        deadline = nextDeadline;
    }

    void responding(long now, ConnectionSettings settings) {
        responseStart = now;
        responseEnd = now + settings.idle().toNanos();
        responseBytes = 0;
        next(Phase.RESPONDING, now, Math.min(responseEnd, now + settings.grace().toNanos()), CloseReason.SLOW_RESPONSE);
    }

    /** Bytes of the response handed to the socket: they must be written at the minimum rate after the grace period. */
    void sent(int bytes, ConnectionSettings settings) {
        responseBytes += bytes;
        long rateDeadline = responseStart + settings.grace().toNanos()
                + ConnectionSettings.nanosFor(responseBytes, settings.responseRate());
        if (rateDeadline - responseEnd < 0) {
            expireAt(rateDeadline, CloseReason.SLOW_RESPONSE);
        } else {
            expireAt(responseEnd, CloseReason.IDLE_TIMEOUT);
        }
    }

    void responded(long now) {
        if (phase == Phase.RESPONDING) {
            next(Phase.IDLE, now, responseEnd, CloseReason.IDLE_TIMEOUT);
        }
    }
}
