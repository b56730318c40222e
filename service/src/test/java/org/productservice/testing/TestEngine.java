package org.productservice.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import io.helidon.config.Config;

/**
 * The in-memory local engine (dynalite) of a test run: started once, on a port the OS picks,
 * by the first test that needs it, and stopped when the test JVM exits. The engine also exits
 * by itself when this JVM dies, even by SIGKILL (its stdin closes), so no run leaves one behind.
 */
public final class TestEngine {
    private static volatile TestEngine instance;

    private final Process process;
    private final int port;

    private TestEngine(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * The engine of this run, started on first use.
     *
     * @return the engine
     */
    public static TestEngine get() {
        TestEngine engine = instance;
        if (engine == null) {
            synchronized (TestEngine.class) {
                engine = instance;
                if (engine == null) {
                    engine = start();
                    instance = engine;
                }
            }
        }
        return engine;
    }

    /**
     * The engine's endpoint.
     *
     * @return e.g. {@code http://127.0.0.1:41234}
     */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * Configuration of a service on this engine: the real application.yaml and
     * application-local.yaml, with tables of its own (so test classes cannot see each other's
     * data) and the given overrides. Environment variables are left out on purpose.
     *
     * @param overrides keys to set
     * @return configuration
     */
    public Config config(Map<String, String> overrides) {
        return config(endpoint(), overrides);
    }

    /**
     * Like {@link #config(Map)}, on any endpoint (a fault-injecting proxy, a closed port).
     *
     * @param endpoint  DynamoDB endpoint
     * @param overrides keys to set
     * @return configuration
     */
    public static Config config(String endpoint, Map<String, String> overrides) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> values = new HashMap<>();
        values.put("dynamodb.endpoint", endpoint);
        values.put("dynamodb.table.products", "products-" + suffix);
        values.put("dynamodb.table.idempotency", "idempotency-" + suffix);
        values.put("server.port", "0");
        values.put("admin.port", "0");
        values.put("server.host", "127.0.0.1");
        values.putAll(overrides);
        return TestConfig.local(values);
    }

    private static TestEngine start() {
        Path dir = Path.of(System.getProperty("local.engine.dir", "../local")).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir.resolve("node_modules/dynalite"))) {
            throw new IllegalStateException("dynalite is not installed in " + dir + ": run the tests with 'make test' "
                                                    + "(or 'cd local && npm ci' first)");
        }
        try {
            Process process = new ProcessBuilder("node", "engine.js", "--port", "0", "--exit-with-stdin")
                    .directory(dir.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("dynalite listening on ")) {
                process.destroyForcibly();
                throw new IllegalStateException("dynalite did not start: " + line);
            }
            int port = Integer.parseInt(line.substring("dynalite listening on ".length()).strip());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> Processes.stop(process, Duration.ofSeconds(5))));
            return new TestEngine(process, port);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start node (Node.js 20+ must be on the PATH)", e);
        }
    }
}
