package org.productservice.server;

import java.lang.management.ManagementFactory;
import java.time.Duration;

import com.sun.management.UnixOperatingSystemMXBean;

import io.helidon.config.Config;

/**
 * Connection limits of one listener ({@code connections.*} for the API, {@code admin.*} for the
 * admin port): how many may be open at once and how long each phase of a connection may last.
 *
 * @param max  connections open at once; the next one is answered 503 and closed at once
 * @param head time from accepting a connection (or from the request line of a kept-alive one) to
 *             the end of the request head
 * @param body time from the end of the request head to the start of the response: reading the
 *             body and handling the request
 * @param idle time from the start of a response to the next request line: writing the response
 *             and then waiting, kept alive, for the next request
 */
public record ConnectionSettings(int max, Duration head, Duration body, Duration idle) {
    /** File descriptors kept free for everything but client connections: jars, logs, the DynamoDB pool. */
    static final int FD_RESERVE = 512;

    /**
     * Reads the API listener's limits from {@code connections.*}.
     *
     * @param config root configuration
     * @return settings
     */
    public static ConnectionSettings api(Config config) {
        Config c = config.get("connections");
        return create("connections", c.get("max").asInt().orElse(2000),
                      c.get("timeout.head").as(Duration.class).orElse(Duration.ofSeconds(10)),
                      c.get("timeout.body").as(Duration.class).orElse(Duration.ofSeconds(20)),
                      c.get("timeout.idle").as(Duration.class).orElse(Duration.ofSeconds(30)));
    }

    /**
     * Reads the admin listener's limits from {@code admin.connections}; its timeouts are short
     * and fixed, as only probes and Prometheus talk to it and they answer in milliseconds.
     *
     * @param config root configuration
     * @return settings
     */
    public static ConnectionSettings admin(Config config) {
        return create("admin", config.get("admin.connections").asInt().orElse(32),
                      Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    private static ConnectionSettings create(String prefix, int max, Duration head, Duration body, Duration idle) {
        if (max < 1) {
            throw new IllegalArgumentException(prefix + ".max must be positive (" + envName(prefix) + ")");
        }
        for (Duration d : new Duration[] {head, body, idle}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(prefix + " timeouts must be positive");
            }
        }
        return new ConnectionSettings(max, head, body, idle);
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
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
            long limit = os.getMaxFileDescriptorCount();
            if (api.max + admin.max + FD_RESERVE > limit) {
                throw new IllegalStateException("connections.max (CONNECTIONS_MAX=" + api.max + ") plus admin.connections ("
                                                        + admin.max + ") plus " + FD_RESERVE
                                                        + " must stay below the open-files limit (ulimit -n = " + limit + ")");
            }
        }
    }

    /** How often the watchdog looks at the connections: a tenth of the shortest timeout, 50 ms to 1 s. */
    Duration period() {
        long shortest = Math.min(head.toMillis(), Math.min(body.toMillis(), idle.toMillis()));
        return Duration.ofMillis(Math.clamp(shortest / 10, 50, 1000));
    }

    private static String envName(String prefix) {
        return prefix.toUpperCase() + "_MAX";
    }
}
