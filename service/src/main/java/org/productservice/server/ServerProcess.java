package org.productservice.server;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import io.helidon.config.Config;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;

import org.productservice.config.ConfigKeys;

/**
 * The server as a process: refuses a taken port or a bad setting in one line and a non-zero
 * exit code, prints where everything is once up, and exits 0 after a graceful stop.
 */
public final class ServerProcess {
    private static final System.Logger LOGGER = System.getLogger(ServerProcess.class.getName());

    private ServerProcess() {
    }

    /**
     * Starts the server, or ends the process: 1 when a port is taken, 2 when a setting is missing
     * or invalid.
     *
     * @param config    root configuration
     * @param configure sets the server up from the configuration
     */
    public static void run(Config config, Consumer<WebServerConfig.Builder> configure) {
        Optional<String> takenPort = TakenPorts.first(config);
        if (takenPort.isPresent()) {
            System.err.println(takenPort.get());
            System.exit(1);
            return;
        }

        WebServer server;
        try {
            server = WebServer.builder().update(configure).build().start();
        } catch (IllegalArgumentException missingOrInvalidSetting) {
            // Settings are checked before anything starts; the message names the key and its variable.
            LOGGER.log(Level.ERROR, "product-service cannot start: " + missingOrInvalidSetting.getMessage());
            System.exit(2);
            return;
        }
        if (!server.isRunning()) {
            // Taken between the check above and the bind: Helidon logs the failed bind and returns a
            // stopped server; the process must not exit 0.
            System.err.println(TakenPorts.first(config).orElse(
                    "product-service could not listen on its ports (server.port " + ConfigKeys.string(config.get("server.port"))
                            + ", admin.port " + ConfigKeys.string(config.get("admin.port")) + ")"));
            System.exit(1);
        }

        exitZeroAfterGracefulStop(server, ConfigKeys.duration(config.get("shutdown.grace")));
        String base = "http://localhost:" + server.port();
        String admin = "http://localhost:" + server.port(Listeners.ADMIN_SOCKET);
        // One record per line: the log formats escape line breaks inside a message (log injection).
        List.of("product-service is up on " + base,
                "  API      " + base + "/products",
                "  docs     " + base + "/docs (OpenAPI: " + base + "/openapi)",
                "  health   " + admin + "/observe/health (live, ready, started)",
                "  metrics  " + admin + "/observe/metrics")
                .forEach(line -> LOGGER.log(Level.INFO, line));
    }

    /**
     * SIGTERM (Kubernetes, docker stop) and Ctrl-C are the normal way to stop. Helidon's own
     * shutdown hook already stops accepting and lets in-flight requests finish (up to
     * shutdown.grace); but a JVM ended by a signal exits 143 (130), which orchestrators report as
     * a failure. This hook waits for that graceful stop, then ends the process with 0.
     */
    private static void exitZeroAfterGracefulStop(WebServer server, Duration grace) {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("exit-zero").unstarted(() -> {
            long deadline = System.nanoTime() + grace.plusSeconds(5).toNanos();
            while (server.isRunning() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
            LOGGER.log(Level.INFO, "product-service stopped");
            System.err.flush();
            Runtime.getRuntime().halt(0);
        }));
    }
}
