package org.productservice.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;

import io.helidon.config.Config;

/**
 * Finds a listener port that another process holds, before the server tries it. Helidon 4.5.0
 * reports a failed bind with a long stack trace that names no port, and only after the other
 * listeners started; this names the port, its key and its variable in one line.
 */
public final class TakenPorts {
    private static final List<Listener> LISTENERS = List.of(
            new Listener("server.port", "SERVER_PORT", "the API", "server.host"),
            new Listener("admin.port", "ADMIN_PORT", "health and metrics", "admin.host"));

    private TakenPorts() {
    }

    /**
     * The first configured listener whose port cannot be bound now.
     *
     * @param config root configuration
     * @return a one-line message naming the port, its key and its variable; empty if all are free
     */
    public static Optional<String> first(Config config) {
        String serverHost = config.get("server.host").asString().orElse("0.0.0.0");
        for (Listener listener : LISTENERS) {
            Optional<Integer> port = config.get(listener.key).asInt().asOptional();
            if (port.isEmpty() || port.get() == 0) {
                continue;
            }
            String host = config.get(listener.hostKey).asString().orElse(serverHost);
            if (!bindable(host, port.get())) {
                return Optional.of(message(listener, port.get()));
            }
        }
        return Optional.empty();
    }

    private static String message(Listener listener, int port) {
        return "product-service could not listen on port " + port + " (" + listener.key + ", " + listener.purpose
                + "): it is taken by another process. Stop that, or choose another port with " + listener.variable;
    }

    private static boolean bindable(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // As the server binds: SO_REUSEADDR lets a port in TIME_WAIT be taken again.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private record Listener(String key, String variable, String purpose, String hostKey) {
    }
}
