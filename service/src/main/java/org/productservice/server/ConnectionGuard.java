package org.productservice.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
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

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
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
 * Caps the open connections of one listener, times out every phase of each connection, and
 * keeps slow clients from holding what others need.
 *
 * <p>Why this exists: Helidon 4.5.0's WebServer has no read timeout on server connections
 * ({@code connectionOptions.readTimeout} is only used by clients), and its idle-connection
 * handler only closes connections that are waiting for a request line <em>after</em> the
 * protocol was identified. Its {@code maxTcpConnections} waits before {@code accept()}, so
 * surplus clients hang in the kernel's backlog instead of getting an answer. It does not close a
 * connection after a {@code Connection: close} response, nor after the error responses it marks
 * as closing. And it takes a request's concurrency permit before the body is read and holds it
 * until the response is written, so clients that send or read slowly hold permits.
 *
 * <p>How: the listener's socket options ({@link #socketOptions}) see every accepted channel;
 * the HTTP/1 send and receive listeners ({@link #receiveListener}, {@link #sendListener}) see the
 * phases (request line, request head, response start, each write of the response), and the
 * {@link #lifecycle} filter the end of each response. Connections are keyed by the client's
 * address. A watchdog looks at them every tenth of the shortest timeout and closes those past
 * their deadline. On top of the per-phase timeouts:
 * <ul>
 *     <li><b>Bodies are received before a permit is taken.</b> Helidon 4.5.0 never calls a receive
 *     listener's {@code data} method, so progress inside a body is invisible to a listener; but the
 *     receive listener's {@code headers} runs on the connection's thread just before the permit is
 *     taken, with the connection's reader at hand. There the guard pulls the whole body (at most
 *     {@code limits.body}) into the reader's buffer, where Helidon's parser later finds it, and
 *     sees every arrival: past the grace period the body must keep up the minimum rate. What slow
 *     bodies may hold there in total is bounded ({@code limits.concurrency} × {@code limits.body},
 *     what the permits allow anyway); beyond that a body is refused with a 503.</li>
 *     <li><b>Responses must be read at a minimum rate.</b> Each write of a response reaches the send
 *     listener before it goes to the socket; past the grace period the bytes handed over must have
 *     been written at the minimum rate, or the connection is closed, which ends the write and frees
 *     the permit.</li>
 *     <li><b>At the cap, idle connections make room.</b> The oldest connection waiting for its next
 *     request (then the oldest that has sent an incomplete head for over a second) is closed for
 *     the new one; only when there is none is the new one refused.</li>
 *     <li><b>Connections are not forever.</b> After {@code requests} requests or {@code lifetime},
 *     the next answer says {@code Connection: close}.</li>
 *     <li><b>The watchdog never writes.</b> A 408 is written by a virtual thread of its own, and the
 *     watchdog closes the socket a second later whether it got through or not.</li>
 * </ul>
 */
public final class ConnectionGuard {
    private static final System.Logger LOGGER = System.getLogger(ConnectionGuard.class.getName());
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon(true).name("connection-watchdog").factory());
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** How long the 408 of a timed-out connection may take to write before the socket is closed anyway. */
    private static final long WRITE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A head older than this is reclaimable at the cap: a real client sends its head in one go. */
    private static final long STALLED_HEAD_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Why the guard closed the connection of this thread while it received a body; the thread ends with it. */
    private static final ThreadLocal<Reason> CLOSED_ON_THIS_THREAD = new ThreadLocal<>();
    /** Reads of one body the guard makes; a client that trickles more pieces is left to Helidon's parser. */
    private static final int MAX_BODY_READS = 4096;

    // Meters are global, keyed by name and tags, while tests run several servers in one JVM: the
    // counts and the open-connection sum are kept per listener name, across its guards.
    private static final Map<String, Map<Reason, AtomicLong>> COUNTS = new ConcurrentHashMap<>();
    private static final Map<String, Set<ConnectionGuard>> RUNNING = new ConcurrentHashMap<>();

    private final String listener;
    private final ConnectionSettings settings;
    private final long maxBody;
    private final long bodyBudget;
    private final AtomicLong bodiesReceiving = new AtomicLong();
    private final Map<SocketAddress, Watch> open = new ConcurrentHashMap<>();

    private final Map<Reason, AtomicLong> closed;
    private final byte[] overloaded;
    private final byte[] bodiesBusy;
    private final byte[] timeout;
    private final byte[] timeoutHead;
    private final Refusals refusals;
    private volatile ScheduledFuture<?> scan;
    private volatile long lastCapWarning;

    /**
     * Creates a guard for one listener.
     *
     * @param listener    the listener's name, for metrics and logs
     * @param settings    its limits
     * @param maxBody     the listener's largest request body, bytes
     * @param concurrency the listener's concurrency limit: with {@code maxBody}, the bytes that bodies
     *                    being received may hold at once
     * @param registry    where the open-connection gauge and the closed-connection counters go
     */
    public ConnectionGuard(String listener, ConnectionSettings settings, long maxBody, int concurrency, MeterRegistry registry) {
        this.listener = listener;
        this.settings = settings;
        this.maxBody = maxBody;
        this.bodyBudget = maxBody * concurrency;
        this.overloaded = TransportProblems.closingResponse(Status.SERVICE_UNAVAILABLE_503,
                                                            "The service has too many open connections. Retry later.");
        this.bodiesBusy = TransportProblems.closingResponse(Status.SERVICE_UNAVAILABLE_503,
                                                            "The service is receiving too many request bodies. Retry later.");
        this.timeout = TransportProblems.closingResponse(Status.REQUEST_TIMEOUT_408,
                                                         "The request did not arrive in time.");
        this.timeoutHead = TransportProblems.closingResponse(Status.REQUEST_TIMEOUT_408,
                                                             "The request did not arrive in time.", true);
        // Its answers are refusals too: the cap's 503, the head timeout's 408 and the bodies' 503 (a
        // body cut at its timeout or rate is recorded by the request it cut, in routing).
        this.refusals = new Refusals(listener, registry);
        this.closed = COUNTS.computeIfAbsent(listener, name -> {
            Map<Reason, AtomicLong> counts = new EnumMap<>(Reason.class);
            for (Reason reason : Reason.values()) {
                counts.put(reason, new AtomicLong());
            }
            return counts;
        });
        registry.getOrCreate(Gauge.builder("http.server.connections.open", () -> RUNNING.getOrDefault(listener, Set.of())
                                             .stream().mapToInt(ConnectionGuard::openConnections).sum())
                                     .description("Open client connections")
                                     .tags(List.of(Tag.create("listener", listener))));
        closed.forEach((reason, count) -> registry.getOrCreate(
                FunctionalCounter.builder("http.server.connections.closed", count, AtomicLong::get)
                        .description("Connections the server closed or refused, by reason")
                        .tags(List.of(Tag.create("listener", listener), Tag.create("reason", reason.reason())))));
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
     * A filter for the listener's routing that runs the watchdog while the server runs and marks
     * the end of each response (the connection is idle from then on). Add it first among the
     * transport filters.
     *
     * @return the filter
     */
    public Filter lifecycle() {
        return new Filter() {
            @Override
            public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
                try {
                    chain.proceed();
                } finally {
                    Watch watch = watch(req.remotePeer().address());
                    if (watch != null) {
                        watch.responded(System.nanoTime(), settings);
                    }
                }
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
     * @return the reason
     */
    Optional<Reason> timedOut(SocketAddress client) {
        Watch watch = watch(client);
        return watch == null ? Optional.ofNullable(CLOSED_ON_THIS_THREAD.get()) : Optional.ofNullable(watch.closedFor);
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
        long now = System.nanoTime();
        if (open.size() >= settings.max()) {
            open.values().removeIf(watch -> !watch.channel.isOpen());
            if (open.size() >= settings.max() && !reclaim(now)) {
                refuse(channel);
                // Helidon's listener closes the channel, releases its permit and logs this at TRACE.
                throw new IllegalStateException("connection cap reached");
            }
        }
        open.put(client, new Watch(channel, now, now + settings.head().toNanos()));
    }

    /** Closes the oldest idle connection, or else the oldest stalled head, to make room for a new one. */
    private boolean reclaim(long now) {
        Watch idle = null;
        Watch stalled = null;
        for (Watch watch : open.values()) {
            if (watch.closedFor != null || !watch.channel.isOpen()) {
                continue;
            }
            Phase phase = watch.phase;
            if (phase == Phase.IDLE && (idle == null || watch.since - idle.since < 0)) {
                idle = watch;
            } else if (phase == Phase.HEAD && now - watch.since > STALLED_HEAD_NANOS
                    && (stalled == null || watch.since - stalled.since < 0)) {
                stalled = watch;
            }
        }
        Watch victim = idle != null ? idle : stalled;
        if (victim == null) {
            return false;
        }
        end(victim, Reason.RECLAIMED, now);
        return true;
    }

    private void refuse(SocketChannel channel) {
        AtomicLong refused = closed.get(Reason.REFUSED);
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
        for (Watch watch : open.values()) {
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
    private void end(Watch watch, Reason reason, long now) {
        watch.closedFor = reason;
        watch.closeBy = now + WRITE_GRACE_NANOS;
        closed.get(reason).incrementAndGet();
        Phase phase = watch.phase;
        if (phase == Phase.HEAD || phase == Phase.BODY) {
            if (phase == Phase.HEAD) {
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
                watch.requests++;
                watch.headRequest = prologue.method() == Method.HEAD;
                if (watch.phase != Phase.HEAD) {
                    long now = System.nanoTime();
                    watch.next(Phase.HEAD, now, now + settings.head().toNanos(), Reason.HEAD_TIMEOUT);
                }
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                Watch watch = watch(ctx);
                if (watch != null) {
                    watch.closeRequested |= headers.containsToken(HeaderValues.CONNECTION_CLOSE);
                    long now = System.nanoTime();
                    watch.headEnd = now;
                    watch.next(Phase.BODY, now, now + settings.body().toNanos(), Reason.BODY_TIMEOUT);
                    receiveBody(ctx, headers, watch);
                }
            }
        };
    }

    /**
     * Pulls the request's body into the connection's reader before Helidon takes a permit for the
     * request, checking the body's rate as it arrives. Requests whose framing Helidon refuses (too
     * large, both lengths, an unknown expectation) are left for Helidon to answer.
     */
    private void receiveBody(ConnectionContext ctx, Headers headers, Watch watch) {
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
            closed.get(Reason.BODIES_BUSY).incrementAndGet();
            refusals.refused(Status.SERVICE_UNAVAILABLE_503.code(), Reason.BODIES_BUSY.reason());
            ctx.dataWriter().writeNow(BufferData.create(bodiesBusy));
            throw new CloseConnectionException("too many request bodies being received");
        }
        try {
            pullBody(ctx.dataReader(), chunked ? new ChunkedBodyEnd(maxBody + 8192) : null, length, watch);
        } catch (RuntimeException lost) {
            // End of stream, or the socket closed by the watchdog. The request still goes on: the handler's
            // read of the body fails at once (no permit is held for long), and the request is recorded like
            // any abandoned one, 499 or 408 with the reason (the socket has no peer address any more, so the
            // reason is left with this thread for ConnectionFaults).
            watch.closeRequested = true;
            Reason reason = watch.closedFor;
            if (reason != null) {
                CLOSED_ON_THIS_THREAD.set(reason);
            }
        } finally {
            bodiesReceiving.addAndGet(-length);
        }
    }

    private void pullBody(DataReader reader, ChunkedBodyEnd chunks, long length, Watch watch) {
        long start = System.nanoTime();
        long bodyEnd = watch.headEnd + settings.body().toNanos();
        int initial = reader.available();
        int received = initial;
        for (int reads = 0; !bodyReceived(reader, chunks, received, length); reads++) {
            if (reads == MAX_BODY_READS) {
                // So many tiny pieces: leave the rest to Helidon (read under the permit, in the body timeout),
                // and close the connection after the answer, whatever was left unread.
                watch.closeRequested = true;
                return;
            }
            long rateDeadline = start + settings.grace().toNanos() + ConnectionSettings.nanosFor(received - initial,
                                                                                               settings.bodyRate());
            watch.expireAt(Math.min(rateDeadline, bodyEnd), rateDeadline < bodyEnd ? Reason.SLOW_BODY : Reason.BODY_TIMEOUT);
            reader.pullData();
            received = reader.available();
        }
        watch.expireAt(bodyEnd, Reason.BODY_TIMEOUT);
    }

    private static boolean bodyReceived(DataReader reader, ChunkedBodyEnd chunks, int received, long length) {
        if (chunks == null) {
            return received >= length;
        }
        if (received == 0 || !chunks.over(reader.getBuffer(received))) {
            return false;
        }
        return true;
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
                    watch.responding(System.nanoTime(), settings);
                }
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                Watch watch = watch(ctx);
                if (watch == null) {
                    return;
                }
                if (!watch.closeRequested && headers instanceof WritableHeaders<?> writable) {
                    lastOnConnection(watch, writable);
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

            @Override
            public void data(ConnectionContext ctx, BufferData data) {
                Watch watch = watch(ctx);
                if (watch != null) {
                    watch.sent(data.available(), settings);
                }
            }
        };
    }

    /** Ends the connection with this answer when it has served its requests or lived its time. */
    private void lastOnConnection(Watch watch, WritableHeaders<?> headers) {
        Reason last;
        if (watch.requests >= settings.requests()) {
            last = Reason.MAX_REQUESTS;
        } else if (System.nanoTime() - watch.opened > settings.lifetime().toNanos()) {
            last = Reason.MAX_LIFETIME;
        } else {
            return;
        }
        headers.set(HeaderValues.CONNECTION_CLOSE);
        // One request a connection (the admin port) is the policy there, not an event worth counting.
        if (settings.requests() > 1 || last == Reason.MAX_LIFETIME) {
            closed.get(last).incrementAndGet();
        }
    }

    private Watch watch(ConnectionContext ctx) {
        return watch(ctx.remotePeer().address());
    }

    private Watch watch(SocketAddress client) {
        // Once its socket is closed, Helidon reports no peer address for a connection.
        return client == null ? null : open.get(client);
    }

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

    /** Why the server closed (or refused) a connection: the {@code reason} of {@code http_server_connections_closed}. */
    enum Reason {
        /** New connection at the cap with no idle connection to close. */
        REFUSED("refused"),
        /** The request head did not arrive within {@code timeout.head}. */
        HEAD_TIMEOUT("head_timeout"),
        /** The body and the handling took longer than {@code timeout.body}. */
        BODY_TIMEOUT("body_timeout"),
        /** No next request within {@code timeout.idle} of the last response's start. */
        IDLE_TIMEOUT("idle_timeout"),
        /** The body arrived below {@code rate.body} after the grace period. */
        SLOW_BODY("slow_body"),
        /** The client read the response below {@code rate.response} after the grace period. */
        SLOW_RESPONSE("slow_response"),
        /** Closed while idle (or with a stalled head) to make room for a new connection at the cap. */
        RECLAIMED("reclaimed"),
        /** Its last answer said {@code Connection: close}: it had served {@code requests} requests. */
        MAX_REQUESTS("max_requests"),
        /** Its last answer said {@code Connection: close}: it was older than {@code lifetime}. */
        MAX_LIFETIME("max_lifetime"),
        /** Its body was refused with a 503: the bodies being received held their whole budget. */
        BODIES_BUSY("bodies_busy");

        private final String reason;

        Reason(String reason) {
            this.reason = reason;
        }

        String reason() {
            return reason;
        }
    }

    /**
     * One connection. The deadline, its reason and the phase are written by the connection's thread
     * and read by the watchdog and the accepting thread; the counters are the connection thread's own.
     */
    private static final class Watch {
        private final SocketChannel channel;
        private final long opened;
        private volatile Phase phase = Phase.HEAD;
        private volatile long since;
        private volatile long deadline;
        private volatile Reason onExpiry = Reason.HEAD_TIMEOUT;
        private volatile boolean closeRequested;
        private volatile Reason closedFor;
        private volatile long closeBy;
        private int requests;
        private long headEnd;
        private long responseStart;
        private long responseEnd;
        private long responseBytes;
        private volatile boolean headRequest;

        private Watch(SocketChannel channel, long opened, long deadline) {
            this.channel = channel;
            this.opened = opened;
            this.since = opened;
            this.deadline = deadline;
        }

        private void next(Phase next, long now, long nextDeadline, Reason reason) {
            expireAt(nextDeadline, reason);
            since = now;
            phase = next;
        }

        private void expireAt(long nextDeadline, Reason reason) {
            onExpiry = reason;
            deadline = nextDeadline;
        }

        private void responding(long now, ConnectionSettings settings) {
            responseStart = now;
            responseEnd = now + settings.idle().toNanos();
            responseBytes = 0;
            next(Phase.RESPONDING, now, Math.min(responseEnd, now + settings.grace().toNanos()), Reason.SLOW_RESPONSE);
        }

        /** Bytes of the response handed to the socket: they must be written at the minimum rate after the grace period. */
        private void sent(int bytes, ConnectionSettings settings) {
            responseBytes += bytes;
            long rateDeadline = responseStart + settings.grace().toNanos()
                    + ConnectionSettings.nanosFor(responseBytes, settings.responseRate());
            if (rateDeadline - responseEnd < 0) {
                expireAt(rateDeadline, Reason.SLOW_RESPONSE);
            } else {
                expireAt(responseEnd, Reason.IDLE_TIMEOUT);
            }
        }

        private void responded(long now, ConnectionSettings settings) {
            if (phase == Phase.RESPONDING) {
                next(Phase.IDLE, now, responseEnd, Reason.IDLE_TIMEOUT);
            }
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
