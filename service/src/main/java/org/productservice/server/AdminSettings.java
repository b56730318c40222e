package org.productservice.server;

import io.helidon.config.Config;

import static org.productservice.config.ConfigKeys.integer;
import static org.productservice.config.ConfigKeys.optional;
import static org.productservice.config.ConfigKeys.string;

/**
 * The admin listener ({@code admin.*}, {@code observe.endpoint}): health and metrics for the
 * probes and Prometheus, on a port of its own. Defaults in {@code application.yaml}.
 *
 * @param host        address it listens on: {@code admin.host}, or {@code server.host} when unset
 * @param port        its port (0: any free one)
 * @param concurrency admin requests served at once
 * @param endpoint    path under which health and metrics are served
 */
public record AdminSettings(String host, int port, int concurrency, String endpoint) {
    /** Checks the settings. */
    public AdminSettings {
        if (concurrency < 1) {
            throw new IllegalArgumentException("admin.concurrency (ADMIN_CONCURRENCY) must be positive");
        }
    }

    /**
     * Reads the settings.
     *
     * @param root root configuration
     * @return settings
     * @throws IllegalArgumentException naming the key and its variable, when one is missing or invalid
     */
    public static AdminSettings create(Config root) {
        return new AdminSettings(optional(root.get("admin.host")).orElseGet(() -> string(root.get("server.host"))),
                                 integer(root.get("admin.port")),
                                 integer(root.get("admin.concurrency")),
                                 string(root.get("observe.endpoint")));
    }
}
