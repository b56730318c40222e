package org.productservice.server;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.OptionalLong;

import com.sun.management.UnixOperatingSystemMXBean;

import io.helidon.config.Config;

import org.productservice.config.ConfigKeys;

import static org.productservice.config.ConfigKeys.decimal;
import static org.productservice.config.ConfigKeys.duration;
import static org.productservice.config.ConfigKeys.integer;
import static org.productservice.config.ConfigKeys.longInteger;
import static org.productservice.config.ConfigKeys.optional;

/**
 * Connection limits of one listener ({@code connections.*} for the API, {@code admin.*} for the
 * admin port): how many may be open at once, how long each phase of a connection may last, how
 * slowly a client may send a body or read a response, and how long a connection may be reused.
 *
 * @param max          connections open at once; at the cap the oldest idle connection is closed to make
 *                     room, and when none is idle the next one is answered 503 and closed at once
 * @param head         time from accepting a connection (or from the request line of a kept-alive one) to
 *                     the end of the request head
 * @param body         time from the end of the request head to the start of the response: reading the
 *                     body and handling the request
 * @param idle         time from the start of a response to the next request line: writing the response
 *                     and then waiting, kept alive, for the next request
 * @param requests     requests served on one connection; the last answer says {@code Connection: close}
 * @param lifetime     age after which a connection's next answer says {@code Connection: close}
 * @param bodyRate     slowest request body accepted after the grace period, bytes a second
 * @param responseRate slowest reading of a response accepted after the grace period, bytes a second
 * @param grace        time a body or a response may take before its rate is checked
 */
public record ConnectionSettings(int max, Duration head, Duration body, Duration idle, int requests, Duration lifetime,
                                 long bodyRate, long responseRate, Duration grace) {
    /** File descriptors kept free for everything but client connections: jars, logs, the DynamoDB pool. */
    static final int FD_RESERVE = 512;
    /** The API's cap when neither the open-files limit nor the heap asks for less. */
    static final int DEFAULT_MAX = 2000;
    /**
     * Heap one open keep-alive connection holds after a request, rounded up from the measurement
     * (docs/CAPACITY.md, "Connections and memory"; HostileLoadTest checks it): the parked virtual
     * thread's stack (~17 KB, sized by the deepest point of the last request), the AWS SDK's
     * per-thread buffers (~20 KB), Helidon's 8 KB read buffer and the parser's state.
     */
    static final long HEAP_PER_CONNECTION = 64 * 1024;
    private static final int MIN_DEFAULT = 64;
    private static final System.Logger LOGGER = System.getLogger(ConnectionSettings.class.getName());

    /**
     * Reads the API listener's limits from {@code connections.*}.
     *
     * @param config root configuration
     * @return settings
     */
    public static ConnectionSettings api(Config config) {
        Config c = config.get("connections");
        double heapShare = decimal(c.get("heap"));
        if (!(heapShare > 0 && heapShare <= 1)) {
            throw new IllegalArgumentException("connections.heap (CONNECTIONS_HEAP) must be a share of the heap, above 0 and "
                                                       + "at most 1");
        }
        int max = optional(c.get("max"), Integer::parseInt)
                .orElseGet(() -> defaultMax(openFilesLimit(), admin(config).max(),
                                            (long) (Runtime.getRuntime().maxMemory() * heapShare)));
        return create("connections.max", max,
                      duration(c.get("timeout.head")),
                      duration(c.get("timeout.body")),
                      duration(c.get("timeout.idle")),
                      integer(c.get("requests")),
                      duration(c.get("lifetime")),
                      longInteger(c.get("rate.body")),
                      longInteger(c.get("rate.response")),
                      duration(c.get("rate.grace")));
    }

    /**
     * The API's cap when {@code connections.max} is not set: {@value #DEFAULT_MAX}, or less where
     * the open-files limit is lower (containers often get {@code ulimit -n} 1024) or where the heap
     * share for connections holds fewer, so that the default always fits; an explicit value that
     * does not fit the open-files limit stops the start instead.
     *
     * @param openFiles the process's open-files limit, or empty where it cannot be read
     * @param adminMax  the admin listener's cap
     * @param heapBytes heap that connections may hold ({@code connections.heap} of the maximum heap)
     * @return the cap
     */
    static int defaultMax(OptionalLong openFiles, int adminMax, long heapBytes) {
        long byHeap = heapBytes / HEAP_PER_CONNECTION;
        long byFiles = openFiles.isEmpty() ? Long.MAX_VALUE : openFiles.getAsLong() - adminMax - FD_RESERVE;
        long fitting = Math.min(DEFAULT_MAX, Math.min(byHeap, byFiles));
        if (fitting < MIN_DEFAULT) {
            throw new IllegalArgumentException(byFiles < byHeap
                    ? "the open-files limit (ulimit -n = " + openFiles.getAsLong() + ") leaves room for fewer than "
                            + MIN_DEFAULT + " connections: raise it"
                    : "the heap share for connections (connections.heap, " + (heapBytes >> 20) + " MB) holds fewer than "
                            + MIN_DEFAULT + " connections: raise -Xmx or CONNECTIONS_HEAP");
        }
        if (fitting < DEFAULT_MAX) {
            LOGGER.log(System.Logger.Level.INFO, "connections.max defaults to " + fitting + " here: "
                    + (byFiles < byHeap ? "the open-files limit is " + openFiles.getAsLong() + " (ulimit -n)"
                                        : "connections.heap leaves " + (heapBytes >> 20) + " MB of heap for connections, at "
                                                + HEAP_PER_CONNECTION / 1024 + " KB each")
                    + "; set CONNECTIONS_MAX to choose");
        }
        return (int) fitting;
    }

    /**
     * Reads the admin listener's limits from {@code admin.connections}. Only probes and Prometheus
     * talk to it, and probes open a connection a probe: its timeouts are short and fixed, and at its
     * cap an idle connection (or one stalled in its head for over a second) is closed at once for
     * the new one, so a few clients holding connections cannot starve the probes.
     *
     * @param config root configuration
     * @return settings
     */
    public static ConnectionSettings admin(Config config) {
        return create("admin.connections", integer(config.get("admin.connections")),
                      Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), 100, Duration.ofMinutes(1),
                      1024, 1024, Duration.ofSeconds(3));
    }

    private static ConnectionSettings create(String maxKey, int max, Duration head, Duration body, Duration idle, int requests,
                                             Duration lifetime, long bodyRate, long responseRate, Duration grace) {
        if (max < 1) {
            throw new IllegalArgumentException(maxKey + " (" + ConfigKeys.variable(maxKey) + ") must be positive");
        }
        for (Duration d : new Duration[] {head, body, idle, lifetime, grace}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("connections.timeout.*, connections.lifetime and connections.rate.grace "
                                                           + "must be positive");
            }
        }
        if (requests < 1 || bodyRate < 1 || responseRate < 1) {
            throw new IllegalArgumentException("connections.requests and connections.rate.* must be positive");
        }
        return new ConnectionSettings(max, head, body, idle, requests, lifetime, bodyRate, responseRate, grace);
    }

    /**
     * Refuses to start when the listeners' connection caps do not fit under the process's file
     * descriptor limit with {@value #FD_RESERVE} to spare: past that limit accept() fails, and
     * Helidon 4.5's listener then stops for good (the API port never listens again).
     *
     * @param api   the API listener
     * @param admin the admin listener
     */
    public static void checkFileDescriptors(ConnectionSettings api, ConnectionSettings admin) {
        OptionalLong limit = openFilesLimit();
        if (limit.isPresent() && api.max + admin.max + FD_RESERVE > limit.getAsLong()) {
            throw new IllegalArgumentException("connections.max (CONNECTIONS_MAX=" + api.max + ") plus admin.connections ("
                                                       + admin.max + ") plus " + FD_RESERVE
                                                       + " must stay below the open-files limit (ulimit -n = "
                                                       + limit.getAsLong() + ")");
        }
    }

    private static OptionalLong openFilesLimit() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os
                ? OptionalLong.of(os.getMaxFileDescriptorCount())
                : OptionalLong.empty();
    }

    /** How often the watchdog looks at the connections: a tenth of the shortest timeout, 50 ms to 1 s. */
    Duration period() {
        long shortest = Math.min(Math.min(head.toMillis(), grace.toMillis()), Math.min(body.toMillis(), idle.toMillis()));
        return Duration.ofMillis(Math.clamp(shortest / 10, 50, 1000));
    }

    /** Nanoseconds a client may take for {@code bytes} at {@code bytesPerSecond}. */
    static long nanosFor(long bytes, long bytesPerSecond) {
        return bytes * 1_000_000_000L / bytesPerSecond;
    }
}
