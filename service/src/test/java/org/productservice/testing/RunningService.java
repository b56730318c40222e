package org.productservice.testing;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import io.helidon.config.Config;
import io.helidon.webserver.WebServer;

import org.productservice.Main;
import org.productservice.tracing.Tracing;

/**
 * The service started in this JVM through {@link Main#configure}, on free ports, with tables of
 * its own: the one way a test starts a server. Stopped by {@link #close()}; for one test:
 * <pre>
 * try (RunningService service = RunningService.start(Map.of("limits.body", "1024"))) {
 *     service.api().create(...);
 * }
 * </pre>
 * and for a whole test class, closed by JUnit after its last test:
 * <pre>
 * &#64;AutoClose
 * private static final RunningService SERVICE = RunningService.start(Map.of());
 * </pre>
 */
public final class RunningService implements AutoCloseable {
    private final WebServer server;
    private final Config config;
    private final Api api;
    private final Api admin;

    private RunningService(WebServer server, Config config) {
        this.server = server;
        this.config = config;
        this.api = new Api(server.port());
        this.admin = Api.admin(server.port(Main.ADMIN_SOCKET));
    }

    /**
     * Starts the service on the test run's engine.
     *
     * @param overrides configuration keys to set
     * @return the running service
     */
    public static RunningService start(Map<String, String> overrides) {
        return start(TestEngine.get().endpoint(), overrides);
    }

    /**
     * Starts the service on a DynamoDB endpoint.
     *
     * @param endpoint  the engine or a proxy in front of it
     * @param overrides configuration keys to set
     * @return the running service
     */
    public static RunningService start(String endpoint, Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        // Named here (not only in TestEngine) so that a second server can open the same tables.
        values.put("dynamodb.table.products", "faults-products-" + suffix);
        values.put("dynamodb.table.idempotency", "faults-idempotency-" + suffix);
        values.putAll(overrides);
        return start(TestEngine.config(endpoint, values));
    }

    /**
     * Starts the service from a whole configuration (e.g. {@link TestEngine#config(Map)}).
     *
     * @param config root configuration
     * @return the running service
     */
    public static RunningService start(Config config) {
        return new RunningService(WebServer.builder().update(builder -> Main.configure(builder, config)).build().start(),
                                  config);
    }

    /**
     * Starts the service with the given tracing (one that records spans in memory).
     *
     * @param config  root configuration
     * @param tracing request and DynamoDB spans
     * @return the running service
     */
    public static RunningService start(Config config, Tracing tracing) {
        return new RunningService(WebServer.builder().update(builder -> Main.configure(builder, config, tracing))
                                          .build().start(), config);
    }

    /**
     * Starts a second service on the same tables as this one, e.g. straight on the engine to
     * read what a faulty run stored.
     *
     * @param endpoint DynamoDB endpoint
     * @return the running service
     */
    public RunningService sameTablesOn(String endpoint) {
        return start(endpoint, Map.of("dynamodb.table.products", config.get("dynamodb.table.products").asString().get(),
                                      "dynamodb.table.idempotency", config.get("dynamodb.table.idempotency").asString().get()));
    }

    /** The API port. */
    public Api api() {
        return api;
    }

    /** The admin port: health and metrics. */
    public Api admin() {
        return admin;
    }

    /** The admin port's number. */
    public int adminPort() {
        return server.port(Main.ADMIN_SOCKET);
    }

    /** The server itself. */
    public WebServer server() {
        return server;
    }

    /** The API port's number. */
    public int port() {
        return server.port();
    }

    /** The configuration it was started with. */
    public Config config() {
        return config;
    }

    @Override
    public void close() {
        server.stop();
    }
}
