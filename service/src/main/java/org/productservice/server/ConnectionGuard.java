package org.productservice.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http1.Http1ConnectionListener;

import org.productservice.http.Refusals;
import org.productservice.http.TransportProblems;

/**
 * Caps the open connections of one listener and times out every phase of each connection.
 *
 * <p>Why this exists: Helidon 4.5.0's WebServer has no read timeout on server connections
 * ({@code connectionOptions.readTimeout} is only used by clients), and its idle-connection
 * handler only closes connections that are waiting for a request line <em>after</em> the
 * protocol was identified: a connection that sends nothing, half a request head, or a body that
 * stalls is kept forever (about 19 KB of heap each). Its {@code maxTcpConnections} waits
 * before {@code accept()}, so surplus clients hang in the kernel's backlog instead of getting an
 * answer. And it does not close a connection after a {@code Connection: close} response, nor
 * after the error responses it marks as closing; it goes on parsing the next bytes as a request
 * (the 413-then-400 of an oversized chunked body).
 *
 * <p>How: the listener's socket options ({@link #socketOptions}) see every accepted channel;
 * the HTTP/1 send and receive listeners ({@link #receiveListener}, {@link #sendListener}) see the
 * phases (request line, request head, response start). Connections are keyed by the client's
 * address. A watchdog looks at them every tenth of the shortest timeout and closes those past
 * their phase's deadline, with a 408 when no response has started. (Helidon 4.5.0 never calls a
 * receive listener's {@code data} method, so progress inside a body cannot be seen: the body
 * timeout is a total.)
 */
public final class ConnectionGuard {
    private static final System.Logger LOGGER = System.getLogger(ConnectionGuard.class.getName());
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon(true).name("connection-watchdog").factory());

    // Meters are global, keyed by name and tags, while tests run several servers in one JVM: the
    // counts and the open-connection sum are kept per listener name, across its guards.
    private static final Map<String, Counts> COUNTS = new ConcurrentHashMap<>();
    private static final Map<String, Set<ConnectionGuard>> RUNNING = new ConcurrentHashMap<>();

    private final String listener;
    private final ConnectionSettings settings;
    private final Map<SocketAddress, Watch> open = new ConcurrentHashMap<>();

    private final AtomicLong refused;
    private final Map<Phase, AtomicLong> timedOut;
    private final byte[] overloaded;
    private final byte[] timeout;
    private final byte[] timeoutHead;
    private final Refusals refusals;
    private volatile ScheduledFuture<?> scan;
    private volatile long lastCapWarning;

    /**
     * Creates a guard for one listener.
     *
     * @param listener the listener's name, for metrics and logs
     * @param settings its limits
     * @param registry where the open-connection gauge and the closed-connection counters go
     */
    public ConnectionGuard(String listener, ConnectionSettings settings, MeterRegistry registry) {
        this.listener = listener;
        this.settings = settings;
        this.overloaded = TransportProblems.closingResponse(Status.SERVICE_UNAVAILABLE_503,
                                                            "The service has too many open connections. Retry later.");
        this.timeout = TransportProblems.closingResponse(Status.REQUEST_TIMEOUT_408,
                                                         "The request did not arrive in time.");
        this.timeoutHead = TransportProblems.closingResponse(Status.REQUEST_TIMEOUT_408,
                                                             "The request did not arrive in time.", true);
        // Its answers are refusals too: the cap's 503 and the head timeout's 408 (a body timeout is
        // recorded by the request it cut, in routing).
        this.refusals = new Refusals(listener, registry);
        Counts counts = COUNTS.computeIfAbsent(listener, name -> new Counts());
        this.refused = counts.refused;
        this.timedOut = counts.timedOut;
        registry.getOrCreate(Gauge.builder("http.server.connections.open", () -> RUNNING.getOrDefault(listener, Set.of())
                                             .stream().mapToInt(ConnectionGuard::openConnections).sum())
                                     .description("Open client connections")
                                     .tags(List.of(Tag.create("listener", listener))));
        counter(registry, "refused", refused);
        timedOut.forEach((phase, count) -> counter(registry, phase.reason, count));
    }

    private void counter(MeterRegistry registry, String reason, AtomicLong source) {
        registry.getOrCreate(FunctionalCounter.builder("http.server.connections.closed", source, AtomicLong::get)
                                     .description("Connections the server closed or refused, by reason")
                                     .tags(List.of(Tag.create("listener", listener), Tag.create("reason", reason))));
    }

    /**
     * The listener's socket options, with every accepted connection registered here first.
     *
     * @param base the options to apply
     * @return options that also register and cap the connections
     */
    public SocketOptions socketOptions(SocketOptions base) {
        return new GuardedSocketOptions(base, this);
    }

    /**
     * A filter for the listener's routing that runs the watchdog while the server runs.
     *
     * @return pass-through filter
     */
    public Filter lifecycle() {
        return new Filter() {
            @Override
            public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
                chain.proceed();
            }

            @Override
            public void beforeStart() {
                start();
            }

            @Override
            public void afterStop() {
                stop();
            }
        };
    }

    private void start() {
        if (scan == null) {
            long period = settings.period().toMillis();
            scan = WATCHDOG.scheduleWithFixedDelay(this::scan, period, period, TimeUnit.MILLISECONDS);
            RUNNING.computeIfAbsent(listener, name -> ConcurrentHashMap.newKeySet()).add(this);
        }
    }

    private void stop() {
        ScheduledFuture<?> running = scan;
        if (running != null) {
            running.cancel(false);
            scan = null;
            RUNNING.getOrDefault(listener, Set.of()).remove(this);
        }
        open.clear();
    }

    /**
     * Why the guard closed a client's connection, if it did.
     *
     * @param client the client's address
     * @return the phase that timed out
     */
    Optional<Phase> timedOut(SocketAddress client) {
        Watch watch = client == null ? null : open.get(client);
        return watch == null ? Optional.empty() : Optional.ofNullable(watch.timedOut);
    }

    /** Number of connections currently open. */
    int openConnections() {
        int count = 0;
        for (Watch watch : open.values()) {
            if (watch.channel.isOpen()) {
                count++;
            }
        }
        return count;
    }

    void accepted(SocketChannel channel) throws IOException {
        SocketAddress client = channel.getRemoteAddress();
        if (open.size() >= settings.max()) {
            open.values().removeIf(watch -> !watch.channel.isOpen());
            if (open.size() >= settings.max()) {
                refuse(channel);
                // Helidon's listener closes the channel, releases its permit and logs this at TRACE.
                throw new IllegalStateException("connection cap reached");
            }
        }
        open.put(client, new Watch(channel, deadline(settings.head())));
    }

    private void refuse(SocketChannel channel) {
        refused.incrementAndGet();
        refusals.refused(Status.SERVICE_UNAVAILABLE_503.code(), Refusals.CONNECTION_CAP);
        try {
            channel.configureBlocking(false);
            channel.write(ByteBuffer.wrap(overloaded));
        } catch (IOException ignored) {
            // the client is gone already
        }
        long now = System.nanoTime();
        if (now - lastCapWarning > TimeUnit.SECONDS.toNanos(10)) {
            lastCapWarning = now;
            LOGGER.log(System.Logger.Level.WARNING, "Listener " + listener + " is at its connection cap (" + settings.max()
                    + "): new connections get 503 (refused so far: " + refused.get() + ")");
        }
    }

    private void scan() {
        long now = System.nanoTime();
        for (Watch watch : open.values()) {
            if (!watch.channel.isOpen()) {
                if (watch.timedOut == null || now - watch.deadline > TimeUnit.SECONDS.toNanos(60)) {
                    open.values().remove(watch);
                }
            } else if (now - watch.deadline > 0 && watch.timedOut == null) {
                close(watch);
            }
        }
    }

    private void close(Watch watch) {
        Phase phase = watch.phase;
        watch.timedOut = phase;
        timedOut.get(phase).incrementAndGet();
        if (phase == Phase.HEAD) {
            refusals.refused(Status.REQUEST_TIMEOUT_408.code(), Refusals.HEAD_TIMEOUT);
        }
        try {
            if (phase != Phase.RESPONDED) {
                // Nothing was written yet, so the socket's send buffer has room for this: it cannot block.
                watch.channel.write(ByteBuffer.wrap(watch.headRequest ? timeoutHead : timeout));
            }
        } catch (IOException | UncheckedIOException ignored) {
            // the client is gone already
        }
        try {
            watch.channel.close();
        } catch (IOException ignored) {
            // closed anyway
        }
    }

    /**
     * Listener of the requests' phases, to add to the listener's HTTP/1 configuration.
     *
     * @return receive listener
     */
    public Http1ConnectionListener receiveListener() {
        return new Http1ConnectionListener() {
            @Override
            public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
                Watch watch = watch(ctx);
                if (watch == null) {
                    return;
                }
                if (watch.closeRequested) {
                    // Bytes pipelined after a request or response that closes the connection: never a second response.
                    throw new CloseConnectionException("request after Connection: close");
                }
                watch.headRequest = prologue.method() == Method.HEAD;
                if (watch.phase == Phase.RESPONDED) {
                    watch.next(Phase.HEAD, deadline(settings.head()));
                }
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                Watch watch = watch(ctx);
                if (watch != null) {
                    watch.closeRequested |= headers.containsToken(HeaderValues.CONNECTION_CLOSE);
                    watch.next(Phase.BODY, deadline(settings.body()));
                }
            }
        };
    }

    /**
     * Listener of the responses, to add to the listener's HTTP/1 configuration.
     *
     * @return send listener
     */
    public Http1ConnectionListener sendListener() {
        return new Http1ConnectionListener() {
            @Override
            public void status(ConnectionContext ctx, Status status) {
                Watch watch = watch(ctx);
                if (watch != null) {
                    watch.next(Phase.RESPONDED, deadline(settings.idle()));
                }
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                Watch watch = watch(ctx);
                if (watch == null) {
                    return;
                }
                watch.closeRequested |= headers.containsToken(HeaderValues.CONNECTION_CLOSE);
                if (watch.closeRequested) {
                    // The response goes out in full; bytes the client sent after the request (already
                    // buffered, or still to come) are dropped, so the server's next read sees the end of
                    // the stream and Helidon closes the connection, which it would otherwise keep serving.
                    try {
                        watch.channel.shutdownInput();
                    } catch (IOException ignored) {
                        // closed already
                    }
                    DataReader reader = ctx.dataReader();
                    reader.skip(reader.available());
                }
            }
        };
    }

    private Watch watch(ConnectionContext ctx) {
        // Once its socket is closed, Helidon reports no peer address for a connection.
        SocketAddress client = ctx.remotePeer().address();
        return client == null ? null : open.get(client);
    }

    private static long deadline(Duration timeout) {
        return System.nanoTime() + timeout.toNanos();
    }

    /** The phases of a connection, each with its own deadline. */
    enum Phase {
        /** Waiting for a complete request head. */
        HEAD("head_timeout"),
        /** Reading the body and handling the request. */
        BODY("body_timeout"),
        /** Writing the response, then idle until the next request line. */
        RESPONDED("idle_timeout");

        private final String reason;

        Phase(String reason) {
            this.reason = reason;
        }

        String reason() {
            return reason;
        }
    }

    private record Counts(AtomicLong refused, Map<Phase, AtomicLong> timedOut) {
        private Counts() {
            this(new AtomicLong(), Map.of(Phase.HEAD, new AtomicLong(), Phase.BODY, new AtomicLong(),
                                          Phase.RESPONDED, new AtomicLong()));
        }
    }

    private static final class Watch {
        private final SocketChannel channel;
        private volatile Phase phase = Phase.HEAD;
        private volatile long deadline;
        private volatile boolean closeRequested;
        private volatile Phase timedOut;
        private volatile boolean headRequest;

        private Watch(SocketChannel channel, long deadline) {
            this.channel = channel;
            this.deadline = deadline;
        }

        private void next(Phase next, long nextDeadline) {
            deadline = nextDeadline;
            phase = next;
        }
    }

    /** Helidon's options, plus registering each accepted channel with the guard. */
    private record GuardedSocketOptions(SocketOptions base, ConnectionGuard guard) implements SocketOptions {
        @Override
        public void configureSocket(SocketChannel socket) {
            base.configureSocket(socket);
            try {
                guard.accepted(socket);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void configureSocket(Socket socket) {
            base.configureSocket(socket);
        }

        @Override
        public Map<java.net.SocketOption<?>, Object> socketOptions() {
            return base.socketOptions();
        }

        @Override
        public Duration connectTimeout() {
            return base.connectTimeout();
        }

        @Override
        public Duration readTimeout() {
            return base.readTimeout();
        }

        @Override
        public Optional<Integer> socketReceiveBufferSize() {
            return base.socketReceiveBufferSize();
        }

        @Override
        public Optional<Integer> socketSendBufferSize() {
            return base.socketSendBufferSize();
        }

        @Override
        public boolean socketReuseAddress() {
            return base.socketReuseAddress();
        }

        @Override
        public boolean socketKeepAlive() {
            return base.socketKeepAlive();
        }

        @Override
        public boolean tcpNoDelay() {
            return base.tcpNoDelay();
        }
    }
}
