package org.productservice.faults;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import io.helidon.config.Config;
import io.helidon.webserver.WebServer;

import org.productservice.Main;
import org.productservice.testing.Api;
import org.productservice.testing.TestEngine;

/**
 * The service started in this JVM through {@link Main#configure}, on a free port, with tables of
 * its own. Stopped by {@link #close()}.
 */
final class RunningService implements AutoCloseable {
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
     * Starts the service on a DynamoDB endpoint.
     *
     * @param endpoint  the engine or a proxy in front of it
     * @param overrides configuration keys to set
     * @return the running service
     */
    static RunningService start(String endpoint, Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        // Named here (not only in TestEngine) so that a second server can open the same tables.
        values.put("dynamodb.table.products", "faults-products-" + suffix);
        values.put("dynamodb.table.idempotency", "faults-idempotency-" + suffix);
        values.putAll(overrides);
        Config config = TestEngine.config(endpoint, values);
        WebServer server = WebServer.builder()
                .update(builder -> Main.configure(builder, config))
                .build()
                .start();
        return new RunningService(server, config);
    }

    /**
     * Starts a second service on the same tables as this one, e.g. straight on the engine to
     * read what a faulty run stored.
     *
     * @param endpoint DynamoDB endpoint
     * @return the running service
     */
    RunningService sameTablesOn(String endpoint) {
        return start(endpoint, Map.of("dynamodb.table.products", config.get("dynamodb.table.products").asString().get(),
                                      "dynamodb.table.idempotency", config.get("dynamodb.table.idempotency").asString().get()));
    }

    Api api() {
        return api;
    }

    /** The admin port: health and metrics. */
    Api admin() {
        return admin;
    }

    int adminPort() {
        return server.port(Main.ADMIN_SOCKET);
    }

    WebServer server() {
        return server;
    }

    int port() {
        return server.port();
    }

    Config config() {
        return config;
    }

    @Override
    public void close() {
        server.stop();
    }
}
