package org.productservice.server;

import java.time.Duration;
import java.util.Optional;

import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.task.InterruptableTask;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;

/**
 * The HTTP/1 connections of a listener, served by Helidon's own HTTP/1 connection, through a
 * reader that shows what Helidon 4.5.0 parses away or never checks:
 * <ul>
 *     <li>the request line's raw method: Helidon upper-cases {@code get} into {@code GET}, while
 *     methods are case-sensitive (RFC 9110 9.1); {@link RequestChecks} refuses it with 501;</li>
 *     <li>the two bytes after a chunk's data, which {@link WireReader} checks;</li>
 *     <li>HTTP/1.0, which Helidon does not answer: {@link WireSource} passes it on as HTTP/1.1
 *     with {@code Connection: close}.</li>
 * </ul>
 * It also keeps the current request's line per connection ({@link #current()}), for the answers
 * Helidon gives outside routing (the concurrency limiter's 503 carries no request).
 *
 * <p>Registered as a listener's first connection selector; it declines request lines of other
 * versions, which {@link UnparseableRequests} answers.
 */
public final class Http1Wire extends FirstLineSelector {
    private static final ThreadLocal<WireContext> CURRENT = new ThreadLocal<>();

    private final Http1ConnectionSelector http1;
    private final int maxHead;

    /**
     * Creates the selector.
     *
     * @param config the listener's HTTP/1 configuration (the same as its protocol's)
     */
    public Http1Wire(Http1Config config) {
        super(config.maxPrologueLength());
        this.http1 = Http1ConnectionSelector.builder().config(config).build();
        this.maxHead = config.maxPrologueLength() + config.maxHeadersSize();
    }

    /**
     * The request being served on this thread's connection, if its answer has not started yet.
     *
     * @return its request line and start time
     */
    public static Optional<WireRequest> current() {
        WireContext wire = CURRENT.get();
        return wire == null || wire.prologue() == null ? Optional.empty() : Optional.of(wire.request());
    }

    /** The context of the connection this thread serves, if it is read through a wire reader. */
    static WireContext context() {
        return CURRENT.get();
    }

    @Override
    Support supports(FirstLine line) {
        return switch (line) {
            // Not a whole line yet: ours, as Helidon's HTTP/1 selector would claim it; its parser answers
            // a line that turns out too long.
            case PARTIAL, HTTP1 -> Support.SUPPORTED;
            case TOO_LONG, OTHER -> Support.UNSUPPORTED;
        };
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        WireSource source = new WireSource(ctx, maxRequestLine(), maxHead);
        WireContext wire = new WireContext(ctx, new WireReader(source), source);
        ServerConnection connection = http1.connection(wire);
        return new WireConnection(wire, connection, (InterruptableTask<?>) connection);
    }

    @Override
    public String toString() {
        return "http/1 wire checks";
    }

    /**
     * A request as read from the wire.
     *
     * @param prologue   its request line as Helidon parsed it
     * @param startNanos when it was read ({@link System#nanoTime()})
     */
    public record WireRequest(HttpPrologue prologue, long startNanos) {
    }

    /** Helidon's HTTP/1 connection, with the context reachable from this thread while it runs. */
    private record WireConnection(WireContext wire, ServerConnection connection, InterruptableTask<?> task)
            implements ServerConnection, InterruptableTask<Void> {
        @Override
        public void handle(Limit limit) throws InterruptedException {
            CURRENT.set(wire);
            try {
                connection.handle(limit);
            } finally {
                CURRENT.remove();
            }
        }

        @Override
        public Duration idleTime() {
            return connection.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            connection.close(interrupt);
        }

        @Override
        public boolean canInterrupt() {
            return task.canInterrupt();
        }
    }
}
