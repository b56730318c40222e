package org.productservice.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM while a request is in flight: the request completes, the process exits 0 and the
 * write it acknowledged is stored. Needs a real process of its own, so it runs
 * {@code org.productservice.Main} from this JVM's class path, the way `make run` does.
 */
class GracefulShutdownTest {
    /** Longer than one request head takes to cross the proxy, far below the raised DynamoDB timeouts. */
    private static final Duration ENGINE_LATENCY = Duration.ofSeconds(2);

    @Test
    void sigtermDuringASlowRequestLetsItCompleteAndExitsZero() throws Exception {
        String engine = TestEngine.get().endpoint();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> tables = Map.of("dynamodb.table.products", "shutdown-products-" + suffix,
                                            "dynamodb.table.idempotency", "shutdown-idempotency-" + suffix);
        ConcurrentLinkedQueue<String> output = new ConcurrentLinkedQueue<>();
        int port = freePort();
        int adminPort = freePort();
        try (FaultProxy proxy = FaultProxy.start(engine);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<String, String> settings = new HashMap<>(Map.of(
                    "server.port", Integer.toString(port),
                    "admin.port", Integer.toString(adminPort),
                    "dynamodb.endpoint", proxy.endpoint(),
                    // A slow engine, not a broken one: no DynamoDB timeout may fire.
                    "dynamodb.timeout.socket", "PT10S",
                    "dynamodb.timeout.attempt", "PT10S",
                    "dynamodb.timeout.call", "PT15S",
                    "shutdown.grace", "PT20S"));
            settings.putAll(tables);
            Process process = new ProcessBuilder(ChildService.javaMain(List.of(), settings)).redirectErrorStream(true).start();
            try {
                threads.execute(() -> readOutput(process, output));
                Api api = new Api(port);
                if (!ChildService.awaitReady(adminPort, process, Duration.ofSeconds(60))) {
                    throw new AssertionError("the service did not get ready within 60 s (alive: " + process.isAlive()
                                                     + "); output:\n" + String.join("\n", output));
                }

                proxy.delay(ENGINE_LATENCY);
                proxy.clearRecords();
                Future<Api.Response> inFlight = threads.submit(
                        () -> api.create(Api.json(Map.of("name", "in flight", "description", "at SIGTERM"))));
                awaitRequest(proxy, "PutItem", Duration.ofSeconds(10));
                process.destroy();

                Api.Response created = inFlight.get(30, TimeUnit.SECONDS);
                assertThat(created.status()).as("in-flight request at SIGTERM: %s%nservice output:%n%s",
                                                created, String.join("\n", output)).isEqualTo(201);
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited within the grace period").isTrue();
                assertThat(process.exitValue()).as("exit code; service output:%n%s", String.join("\n", output))
                        .isEqualTo(0);

                proxy.pass();
                JsonNode product = created.json();
                try (RunningService reader = RunningService.start(engine, tables)) {
                    Api.Response stored = reader.api().get("/products/" + product.path("id").asText());
                    assertThat(stored.status()).as("acknowledged write after shutdown: %s", stored).isEqualTo(200);
                    assertThat(stored.json()).isEqualTo(product);
                }
            } finally {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** A port that was free a moment ago: the service's logs are not on the console in tests, so it cannot report its own. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void readOutput(Process process, ConcurrentLinkedQueue<String> output) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.add(line);
            }
        } catch (IOException e) {
            output.add("(output unreadable: " + e + ")");
        }
    }

    private static void awaitRequest(FaultProxy proxy, String operation, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (proxy.count(operation) == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + operation + " reached the engine within " + within + ": " + proxy.targets());
            }
            Thread.sleep(20);
        }
    }
}
