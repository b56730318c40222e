package org.productservice.server;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.socket.SocketOptions;
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
 * address ({@link OpenConnections}). A watchdog looks at them every tenth of the shortest timeout
 * and closes those past their deadline. On top of the per-phase timeouts:
 * <ul>
 *     <li><b>Bodies are received before a permit is taken</b> ({@link BodyPreRead}), at a minimum
 *     rate past the grace period.</li>
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
    // Meters are global, keyed by name and tags, while tests run several servers in one JVM: the
    // open-connection sum is kept per listener name, across its guards.
    private static final Map<String, Set<OpenConnections>> RUNNING = new ConcurrentHashMap<>();

    private final String listener;
    private final ConnectionSettings settings;
    private final Map<CloseReason, AtomicLong> closed;
    private final OpenConnections connections;
    private final BodyPreRead bodies;

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
        this.closed = CloseReason.counts(listener);
        // Its answers are refusals too: the cap's 503, the head timeout's 408 and the bodies' 503 (a
        // body cut at its timeout or rate is recorded by the request it cut, in routing).
        Refusals refusals = new Refusals(listener, registry);
        this.connections = new OpenConnections(listener, settings, closed, refusals);
        this.bodies = new BodyPreRead(settings, maxBody, concurrency, closed, refusals);
        registry.getOrCreate(Gauge.builder("http.server.connections.open", () -> RUNNING.getOrDefault(listener, Set.of())
                                             .stream().mapToInt(OpenConnections::count).sum())
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
        return new GuardedSocketOptions(base, connections);
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
                    WireContext wire = Http1Wire.context();
                    ConnectionWatch watch = wire != null ? watch(wire) : connections.get(req.remotePeer().address());
                    if (watch != null) {
                        watch.responded(System.nanoTime());
                    }
                }
            }

            @Override
            public void beforeStart() {
                if (connections.start()) {
                    RUNNING.computeIfAbsent(listener, name -> ConcurrentHashMap.newKeySet()).add(connections);
                }
            }

            @Override
            public void afterStop() {
                if (connections.stop()) {
                    RUNNING.getOrDefault(listener, Set.of()).remove(connections);
                }
            }
        };
    }

    /**
     * Why the guard closed a client's connection, if it did.
     *
     * @param client the client's address
     * @return the reason
     */
    Optional<CloseReason> timedOut(SocketAddress client) {
        ConnectionWatch watch = connections.get(client);
        return watch == null ? BodyPreRead.closedOnThisThread() : Optional.ofNullable(watch.closedFor);
    }

    /** Number of connections currently open. */
    int openConnections() {
        return connections.count();
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
                ConnectionWatch watch = watch(ctx);
                if (watch == null) {
                    return;
                }
                if (watch.closeRequested) {
                    // Bytes pipelined after a request or response that closes the connection: never a second response.
                    throw new CloseConnectionException("request after Connection: close");
                }
                watch.requests++;
                watch.headRequest = prologue.method() == Method.HEAD;
                if (watch.phase != ConnectionWatch.Phase.HEAD) {
                    long now = System.nanoTime();
                    watch.next(ConnectionWatch.Phase.HEAD, now, now + settings.head().toNanos(), CloseReason.HEAD_TIMEOUT);
                }
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                ConnectionWatch watch = watch(ctx);
                if (watch != null) {
                    watch.closeRequested |= headers.containsToken(HeaderValues.CONNECTION_CLOSE);
                    long now = System.nanoTime();
                    watch.headEnd = now;
                    watch.next(ConnectionWatch.Phase.BODY, now, now + settings.body().toNanos(), CloseReason.BODY_TIMEOUT);
                    bodies.receive(ctx, headers, watch);
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
                ConnectionWatch watch = watch(ctx);
                if (watch != null) {
                    watch.responding(System.nanoTime(), settings);
                }
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                ConnectionWatch watch = watch(ctx);
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
                ConnectionWatch watch = watch(ctx);
                if (watch != null) {
                    watch.sent(data.available(), settings);
                }
            }
        };
    }

    /** Ends the connection with this answer when it has served its requests or lived its time. */
    private void lastOnConnection(ConnectionWatch watch, WritableHeaders<?> headers) {
        CloseReason last;
        if (watch.requests >= settings.requests()) {
            last = CloseReason.MAX_REQUESTS;
        } else if (System.nanoTime() - watch.opened > settings.lifetime().toNanos()) {
            last = CloseReason.MAX_LIFETIME;
        } else {
            return;
        }
        headers.set(HeaderValues.CONNECTION_CLOSE);
        // One request a connection (the admin port) is the policy there, not an event worth counting.
        if (settings.requests() > 1 || last == CloseReason.MAX_LIFETIME) {
            closed.get(last).incrementAndGet();
        }
    }

    /**
     * The connection's watch, while its socket is open (null after, as when it is looked up by the
     * client's address, which Helidon no longer knows then). Kept with the connection's context
     * after the first look-up: each look-up by address costs Helidon a new peer object and address.
     */
    private ConnectionWatch watch(ConnectionContext ctx) {
        if (!(ctx instanceof WireContext wire)) {
            return connections.get(ctx.remotePeer().address());
        }
        ConnectionWatch known = wire.watch();
        if (known != null) {
            return known.channel.isOpen() ? known : null;
        }
        ConnectionWatch found = connections.get(ctx.remotePeer().address());
        if (found != null) {
            wire.watch(found);
        }
        return found;
    }
}
