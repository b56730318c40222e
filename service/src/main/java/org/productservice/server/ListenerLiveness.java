package org.productservice.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.WebServer;

/**
 * Liveness of the API listener, checked from the admin port: UP only while the API port accepts a
 * TCP connection.
 *
 * <p>Why: when {@code accept()} fails (for example with "Too many open files"), Helidon 4.5.0's
 * listener logs "this server socket is terminating now", closes its port and never listens again,
 * while the JVM and the admin port live on. Health served on a separate port would then hide a
 * dead API from Kubernetes; this check makes the liveness probe fail instead, and the pod is
 * restarted. The connection is opened and closed at once, before any byte is sent.
 *
 * <p>One failed connect is not a dead listener: a flood of new connections (or a loaded node) can
 * fill the accept backlog for a moment, and a liveness failure then would restart a healthy pod in
 * the middle of an attack. So the check is DOWN only when the port has not accepted for
 * {@code grace}; a listener that Helidon closed never accepts again, so it is still found.
 */
public final class ListenerLiveness implements HealthCheck {
    private final String host;
    private final Duration timeout;
    private final long graceNanos;
    private volatile int port;
    private volatile long lastAcceptedNanos;
    private volatile boolean accepted;

    /**
     * Creates the check.
     *
     * @param bindHost the API listener's host ({@code 0.0.0.0} and {@code ::} are checked on loopback)
     * @param timeout  how long a connect may take
     * @param grace    how long the port may fail to accept before the check is DOWN
     */
    public ListenerLiveness(String bindHost, Duration timeout, Duration grace) {
        this.host = bindHost;
        this.timeout = timeout;
        this.graceNanos = grace.toNanos();
    }

    void started(WebServer server) {
        started(server.port());
    }

    void started(int listenerPort) {
        this.port = listenerPort;
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.LIVENESS;
    }

    @Override
    public String name() {
        return "api-listener";
    }

    @Override
    public HealthCheckResponse call() {
        int current = port;
        if (current == 0) {
            return HealthCheckResponse.builder().status(false).detail("listener", "not started").build();
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address(), current), (int) timeout.toMillis());
            lastAcceptedNanos = System.nanoTime();
            accepted = true;
            return HealthCheckResponse.builder().status(true).build();
        } catch (IOException e) {
            long sinceAccepted = System.nanoTime() - lastAcceptedNanos;
            boolean withinGrace = accepted && sinceAccepted < graceNanos;
            return HealthCheckResponse.builder().status(withinGrace)
                    .detail("listener", "port " + current + " does not accept: " + e.getMessage()
                            + (accepted ? " (it last accepted " + sinceAccepted / 1_000_000 + " ms ago)" : ""))
                    .build();
        }
    }

    private InetAddress address() throws UnknownHostException {
        InetAddress bound = InetAddress.getByName(host);
        return bound.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : bound;
    }
}
