package org.productservice.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.http.Status;

import org.productservice.http.Refusals;
import org.productservice.http.TransportProblems;

/**
 * The open connections of one listener, keyed by the client's address: the cap, with idle
 * connections reclaimed for new ones, and the watchdog that closes connections past their
 * deadline.
 *
 * <p>At the cap the oldest connection waiting for its next request (then the oldest that has sent
 * an incomplete head for over a second) is closed for the new one; only when there is none is the
 * new one refused with a 503. The watchdog looks at every connection each {@code period} and never
 * writes: a 408 is written by a virtual thread of its own, and the watchdog closes the socket a
 * second later whether it got through or not.
 */
final class OpenConnections {
    private static final System.Logger LOGGER = System.getLogger(ConnectionGuard.class.getName());
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon(true).name("connection-watchdog").factory());
    /** How long the 408 of a timed-out connection may take to write before the socket is closed anyway. */
    private static final long WRITE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A head older than this is reclaimable at the cap: a real client sends its head in one go. */
    private static final long STALLED_HEAD_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String listener;
    private final ConnectionSettings settings;
    private final Map<CloseReason, AtomicLong> closed;
    private final Refusals refusals;
    private final Map<SocketAddress, ConnectionWatch> open = new ConcurrentHashMap<>();
    private final byte[] overloaded;
    private final byte[] timeout;
    private final byte[] timeoutHead;
    private volatile ScheduledFuture<?> scan;
    private volatile long lastCapWarning;

    OpenConnections(String listener, ConnectionSettings settings, Map<CloseReason, AtomicLong> closed, Refusals refusals) {
        this.listener = listener;
        this.settings = settings;
        this.closed = closed;
        this.refusals = refusals;
        this.overloaded = TransportProblems.closingResponse(Status.SERVICE_UNAVAILABLE_503,
                                                            "The service has too many open connections. Retry later.");
        this.timeout = TransportProblems.closingResponse(Status.REQUEST_TIMEOUT_408, "The request did not arrive in time.");
        this.timeoutHead = TransportProblems.closingResponse(Status.REQUEST_TIMEOUT_408,
                                                             "The request did not arrive in time.", true);
    }

    /** Starts the watchdog; false when it runs already. */
    boolean start() {
        if (scan != null) {
            return false;
        }
        long period = settings.period().toMillis();
        scan = WATCHDOG.scheduleWithFixedDelay(this::scan, period, period, TimeUnit.MILLISECONDS);
        return true;
    }

    /** Stops the watchdog and forgets every connection; false when it did not run. */
    boolean stop() {
        ScheduledFuture<?> running = scan;
        open.clear();
        if (running == null) {
            return false;
        }
        running.cancel(false);
        scan = null;
        return true;
    }

    /** A client's connection, or null when the address is unknown (Helidon knows none once a socket is closed). */
    ConnectionWatch get(SocketAddress client) {
        return client == null ? null : open.get(client);
    }

    /** Number of connections currently open. */
    int count() {
        int count = 0;
        for (ConnectionWatch watch : open.values()) {
            if (watch.channel.isOpen()) {
                count++;
            }
        }
        return count;
    }

    void accepted(SocketChannel channel) throws IOException {
        SocketAddress client = channel.getRemoteAddress();
        long now = System.nanoTime();
        if (open.size() >= settings.max()) {
            open.values().removeIf(watch -> !watch.channel.isOpen());
            if (open.size() >= settings.max() && !reclaim(now)) {
                refuse(channel);
                // Helidon's listener closes the channel, releases its permit and logs this at TRACE.
                throw new IllegalStateException("connection cap reached");
            }
        }
        open.put(client, new ConnectionWatch(channel, now, now + settings.head().toNanos()));
    }

    /** Closes the oldest idle connection, or else the oldest stalled head, to make room for a new one. */
    private boolean reclaim(long now) {
        ConnectionWatch idle = null;
        ConnectionWatch stalled = null;
        for (ConnectionWatch watch : open.values()) {
            if (watch.closedFor != null || !watch.channel.isOpen()) {
                continue;
            }
            ConnectionWatch.Phase phase = watch.phase;
            if (phase == ConnectionWatch.Phase.IDLE && (idle == null || watch.since - idle.since < 0)) {
                idle = watch;
            } else if (phase == ConnectionWatch.Phase.HEAD && now - watch.since > STALLED_HEAD_NANOS
                    && (stalled == null || watch.since - stalled.since < 0)) {
                stalled = watch;
            }
        }
        ConnectionWatch victim = idle != null ? idle : stalled;
        if (victim == null) {
            return false;
        }
        end(victim, CloseReason.RECLAIMED, now);
        return true;
    }

    private void refuse(SocketChannel channel) {
        AtomicLong refused = closed.get(CloseReason.REFUSED);
        refused.incrementAndGet();
        refusals.refused(Status.SERVICE_UNAVAILABLE_503.code(), Refusals.CONNECTION_CAP);
        try {
            // A new channel, not yet read or written by anyone: a non-blocking write cannot wait.
            channel.configureBlocking(false);
            channel.write(ByteBuffer.wrap(overloaded));
        } catch (IOException ignored) {
            // the client is gone already
        }
        long now = System.nanoTime();
        if (now - lastCapWarning > TimeUnit.SECONDS.toNanos(10)) {
            lastCapWarning = now;
            LOGGER.log(System.Logger.Level.WARNING, "Listener " + listener + " is at its connection cap (" + settings.max()
                    + ") with no idle connection to close: new connections get 503 (refused so far: " + refused.get() + ")");
        }
    }

    private void scan() {
        long now = System.nanoTime();
        for (ConnectionWatch watch : open.values()) {
            if (!watch.channel.isOpen()) {
                if (watch.closedFor == null || now - watch.deadline > TimeUnit.SECONDS.toNanos(60)) {
                    open.values().remove(watch);
                }
            } else if (watch.closedFor != null) {
                if (now - watch.closeBy > 0) {
                    closeQuietly(watch.channel);
                }
            } else if (now - watch.deadline > 0) {
                end(watch, watch.onExpiry, now);
            }
        }
    }

    /**
     * Ends a connection for a reason. When no response has started on it, a virtual thread of its
     * own writes a 408 first (the write may wait on a client that does not read); the watchdog
     * closes the socket {@link #WRITE_GRACE_NANOS} later in any case.
     */
    private void end(ConnectionWatch watch, CloseReason reason, long now) {
        watch.closedFor = reason;
        watch.closeBy = now + WRITE_GRACE_NANOS;
        closed.get(reason).incrementAndGet();
        ConnectionWatch.Phase phase = watch.phase;
        if (phase == ConnectionWatch.Phase.HEAD || phase == ConnectionWatch.Phase.BODY) {
            if (phase == ConnectionWatch.Phase.HEAD) {
                refusals.refused(Status.REQUEST_TIMEOUT_408.code(), Refusals.HEAD_TIMEOUT);
            }
            byte[] answer = watch.headRequest ? timeoutHead : timeout;
            Thread.ofVirtual().name("connection-timeout-answer").start(() -> {
                try {
                    watch.channel.write(ByteBuffer.wrap(answer));
                } catch (IOException | UncheckedIOException ignored) {
                    // the client is gone already
                } finally {
                    closeQuietly(watch.channel);
                }
            });
        } else {
            closeQuietly(watch.channel);
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closed anyway
        }
    }
}
