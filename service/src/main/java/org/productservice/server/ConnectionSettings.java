package org.productservice.server;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.OptionalLong;

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
    /** The API's cap when the open-files limit allows it: about 41 MB of heap (20.5 KB a connection, measured). */
    static final int DEFAULT_MAX = 2000;
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
        int max = c.get("max").asInt().asOptional()
                .orElseGet(() -> defaultMax(openFilesLimit(), admin(config).max()));
        return create("connections", max,
                      c.get("timeout.head").as(Duration.class).orElse(Duration.ofSeconds(10)),
                      c.get("timeout.body").as(Duration.class).orElse(Duration.ofSeconds(20)),
                      c.get("timeout.idle").as(Duration.class).orElse(Duration.ofSeconds(30)));
    }

    /**
     * The API's cap when {@code connections.max} is not set: {@value #DEFAULT_MAX}, or less where
     * the open-files limit is lower (containers often get {@code ulimit -n} 1024), so that the
     * default always fits; an explicit value that does not fit stops the start instead.
     *
     * @param openFiles the process's open-files limit, or empty where it cannot be read
     * @param adminMax  the admin listener's cap
     * @return the cap
     */
    static int defaultMax(OptionalLong openFiles, int adminMax) {
        if (openFiles.isEmpty() || openFiles.getAsLong() >= DEFAULT_MAX + adminMax + FD_RESERVE) {
            return DEFAULT_MAX;
        }
        long fitting = openFiles.getAsLong() - adminMax - FD_RESERVE;
        if (fitting < MIN_DEFAULT) {
            throw new IllegalArgumentException("the open-files limit (ulimit -n = " + openFiles.getAsLong() + ") leaves room for "
                                                       + "fewer than " + MIN_DEFAULT + " connections: raise it");
        }
        LOGGER.log(System.Logger.Level.WARNING, "connections.max defaults to " + fitting + " here, not " + DEFAULT_MAX
                + ": the open-files limit is " + openFiles.getAsLong() + " (ulimit -n); raise it, or set CONNECTIONS_MAX");
        return (int) fitting;
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
        long shortest = Math.min(head.toMillis(), Math.min(body.toMillis(), idle.toMillis()));
        return Duration.ofMillis(Math.clamp(shortest / 10, 50, 1000));
    }

    private static String envName(String prefix) {
        return prefix.toUpperCase() + "_MAX";
    }
}
