package org.productservice.browser;

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
 * What `make run` and `make admin` start, started for a test: the local engine (dynalite, on a
 * free port), the service's packaged jar on the JVM running the tests (on a free port, profile
 * "local", plus any settings the test adds, e.g. the auth keys for a token test) and, on request,
 * dynamodb-admin on the same engine. Everything stops on {@link #close()}; the engine also stops
 * when this JVM dies (engine.js --exit-with-stdin).
 */
final class LocalStack implements AutoCloseable {
    private static final Path ROOT = Path.of(System.getProperty("repository.root", "..")).toAbsolutePath().normalize();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final List<Process> processes = new ArrayList<>();
    private final ConcurrentLinkedQueue<String> output = new ConcurrentLinkedQueue<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String bearerToken;
    private String engineEndpoint;
    private URI service;
    private URI admin;

    /**
     * Starts the engine and the service.
     *
     * @param settings extra service settings (config keys), e.g. {@code Map.of("auth.mode", "jwt")}
     * @return the running stack
     */
    static LocalStack start(Map<String, String> settings) {
        return start(settings, null);
    }

    /**
     * Starts the engine and the service, and calls it with a token: with auth on, the readiness
     * probe (a page of products) and {@link #call} need one, like any client.
     *
     * @param settings extra service settings (config keys), e.g. the auth issuer and key set
     * @param bearerToken sent as {@code Authorization: Bearer} on every call; null sends none
     * @return the running stack
     */
    static LocalStack start(Map<String, String> settings, String bearerToken) {
        LocalStack stack = new LocalStack(bearerToken);
        try {
            stack.startEngine();
            stack.startService(settings);
            return stack;
        } catch (RuntimeException | Error e) {
            stack.close();
            throw e;
        }
    }

    private LocalStack(String bearerToken) {
        this.bearerToken = bearerToken;
    }

    /** @return the service's base URI, e.g. http://127.0.0.1:41234 */
    URI service() {
        return service;
    }

    /** @return dynamodb-admin's base URI; starts it on first use */
    URI admin() {
        if (admin == null) {
            int port = freePort();
            ProcessBuilder builder = new ProcessBuilder(ROOT.resolve("local/node_modules/.bin/dynamodb-admin").toString(),
                                                        "--host", "127.0.0.1", "--port", String.valueOf(port));
            builder.environment().putAll(Map.of("DYNAMO_ENDPOINT", engineEndpoint, "AWS_REGION", "us-east-1",
                                                "AWS_ACCESS_KEY_ID", "local", "AWS_SECRET_ACCESS_KEY", "local"));
            launch("dynamodb-admin", builder);
            admin = URI.create("http://127.0.0.1:" + port);
            awaitOk(admin.resolve("/api/tables"), "dynamodb-admin", null);
        }
        return admin;
    }

    /**
     * Sends one request to the service (not through a page), e.g. to create what a page should
     * show; asks for JSON (the OpenAPI document is YAML otherwise).
     *
     * @param method HTTP method
     * @param path path and query
     * @param json body, or null
     * @return the response
     */
    HttpResponse<String> call(String method, String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(service.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json");
        if (bearerToken != null) {
            request.header("Authorization", "Bearer " + bearerToken);
        }
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** @return what the processes printed, for failure messages */
    String output() {
        return String.join("\n", output);
    }

    private void startEngine() {
        Path modules = ROOT.resolve("local/node_modules");
        if (!Files.isDirectory(modules)) {
            throw new IllegalStateException("The local engine is not installed: run `make engine-deps` (" + modules + ")");
        }
        Process engine = launch("dynalite", new ProcessBuilder("node", ROOT.resolve("local/engine.js").toString(),
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

    private void startService(Map<String, String> settings) {
        Path jar = ROOT.resolve("service/target/product-service.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("No " + jar + ": package the service first (these tests run after it in the build)");
        }
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Dconfig.profile=local",
                "-Dserver.host=127.0.0.1",
                "-Dserver.port=" + port,
                "-Ddynamodb.endpoint=" + engineEndpoint));
        settings.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", jar.toString()));
        launch("service", new ProcessBuilder(command));
        service = URI.create("http://127.0.0.1:" + port);
        // A page of products proves the API and its tables work, whichever port health is served on.
        awaitOk(service.resolve("/products?limit=1"), "product-service", bearerToken);
    }

    private Process launch(String name, ProcessBuilder builder) {
        builder.directory(ROOT.toFile()).redirectErrorStream(true);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + builder.command(), e);
        }
        processes.add(process);
        Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    output.add(name + ": " + line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        return process;
    }

    private void awaitOk(URI uri, String name, String token) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpRequest.Builder probe = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2));
                if (token != null) {
                    probe.header("Authorization", "Bearer " + token);
                }
                HttpResponse<Void> response = http.send(probe.build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (processes.stream().anyMatch(p -> !p.isAlive())) {
                break;
            }
            sleep(100);
        }
        throw new IllegalStateException(name + " did not answer 200 on " + uri + ":\n" + output());
    }

    @Override
    public void close() {
        for (Process process : processes.reversed()) {
            process.destroy();
        }
        for (Process process : processes) {
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
