package org.productservice.idp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service as it is deployed: its packaged jar in a JVM of its own (the JDK running the
 * tests), on the local engine (dynalite, started once), with the given settings. It can be
 * stopped and started again on the same ports and data: a restart.
 */
final class ServiceProcess implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("repository.root", "..")).toAbsolutePath().normalize();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Map<String, String> settings;
    private final int port = freePort();
    private final int adminPort = freePort();
    private final ConcurrentLinkedQueue<String> output = new ConcurrentLinkedQueue<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process engine;
    private String engineEndpoint;
    private Process service;

    /**
     * @param settings service settings (config keys), e.g. the auth issuer
     */
    ServiceProcess(Map<String, String> settings) {
        this.settings = settings;
    }

    /** @return the API's base URI */
    URI api() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** @return the admin port's base URI (health, metrics) */
    URI admin() {
        return URI.create("http://127.0.0.1:" + adminPort);
    }

    /** Starts the engine (the first time) and the service; returns once the service is live. */
    void start() {
        if (engine == null) {
            startEngine();
        }
        Path jar = ROOT.resolve("service/target/product-service.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("No " + jar + ": package the service first (this module builds after it)");
        }
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Dconfig.profile=local",
                "-Dserver.host=127.0.0.1",
                "-Dserver.port=" + port,
                "-Dadmin.port=" + adminPort,
                "-Ddynamodb.endpoint=" + engineEndpoint));
        settings.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", jar.toString()));
        service = launch("service", new ProcessBuilder(command));
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && service.isAlive()) {
            try {
                if (http.send(HttpRequest.newBuilder(admin().resolve("/observe/health/live")).timeout(Duration.ofSeconds(2)).build(),
                              HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(100);
        }
        throw new IllegalStateException("the service did not start:\n" + output());
    }

    /** Stops the service (SIGTERM, as Kubernetes does); the engine and its data stay. */
    void stop() {
        if (service != null) {
            end(service);
            service = null;
        }
    }

    /**
     * One call to the API.
     *
     * @param method HTTP method
     * @param path   path and query
     * @param token  bearer token, or null
     * @param json   body, or null
     * @param headers more header names and values
     * @return the response
     */
    HttpResponse<String> call(String method, String path, String token, String json, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(api().resolve(path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return send(request.build());
    }

    /**
     * The readiness answer's status.
     *
     * @return 200 or 503
     */
    int readiness() {
        return send(HttpRequest.newBuilder(admin().resolve("/observe/health/ready")).timeout(Duration.ofSeconds(10)).build())
                .statusCode();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** @return what the engine and the service printed, for failure messages */
    String output() {
        return String.join("\n", output);
    }

    @Override
    public void close() {
        stop();
        if (engine != null) {
            end(engine);
        }
    }

    private void startEngine() {
        if (!Files.isDirectory(ROOT.resolve("local/node_modules"))) {
            throw new IllegalStateException("The local engine is not installed: run `make engine-deps`");
        }
        engine = launch("dynalite", new ProcessBuilder("node", ROOT.resolve("local/engine.js").toString(),
                                                       "--port", "0", "--exit-with-stdin"));
        Pattern listening = Pattern.compile("dynalite listening on (\\d+)");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && engine.isAlive()) {
            for (String line : output) {
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    engineEndpoint = "http://127.0.0.1:" + m.group(1);
                    return;
                }
            }
            sleep(50);
        }
        throw new IllegalStateException("dynalite did not start:\n" + output());
    }

    private Process launch(String name, ProcessBuilder builder) {
        builder.directory(ROOT.toFile()).redirectErrorStream(true);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + builder.command(), e);
        }
        Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    output.add(name + ": " + line);
                    while (output.size() > 1000) {
                        output.poll();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        return process;
    }

    private static void end(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
