package org.productservice.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.productservice.testing.TestEngine;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A port that is already taken: the service must not report itself up (nor exit 0, which
 * `make run` and orchestrators read as success); it exits 1 with one line naming the port that is
 * taken, its key and its variable, and no stack trace. Needs a real process, like `make run`'s:
 * Main from this JVM's class path.
 */
class TakenPortTest {
    @Test
    void aTakenApiPortEndsTheStartWithExitOneAndALineNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Outcome outcome = start(port, 0);

            assertThat(outcome.exitCode).as(outcome.output).isEqualTo(1);
            assertThat(outcome.output.lines().toList()).as(outcome.output)
                    .contains("product-service could not listen on port " + port + " (server.port, the API): it is taken by "
                              + "another process. Stop that, or choose another port with SERVER_PORT")
                    .noneMatch(line -> line.contains("is up on") || line.contains("Exception"));
        }
    }

    @Test
    void aTakenAdminPortIsNamedAsTheAdminPortNotTheApiPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Outcome outcome = start(0, port);

            assertThat(outcome.exitCode).as(outcome.output).isEqualTo(1);
            assertThat(outcome.output.lines().toList()).as(outcome.output)
                    .contains("product-service could not listen on port " + port + " (admin.port, health and metrics): it is "
                              + "taken by another process. Stop that, or choose another port with ADMIN_PORT")
                    .noneMatch(line -> line.contains("is up on") || line.contains("Exception"));
        }
    }

    private static Outcome start(int port, int adminPort) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(ChildService.javaMain(List.of(), Map.of(
                "server.port", Integer.toString(port),
                "admin.port", Integer.toString(adminPort),
                "admin.host", "127.0.0.1",
                "dynamodb.endpoint", TestEngine.get().endpoint()))).redirectErrorStream(true);
        // The service reads its ports from the environment before system properties: a developer's
        // exported ADMIN_PORT would move the listener this test names.
        builder.environment().keySet().removeAll(List.of("SERVER_PORT", "SERVER_HOST", "ADMIN_PORT", "ADMIN_HOST"));
        Process process = builder.start();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (InputStream in = process.getInputStream()) {
                in.transferTo(printed);
            } catch (IOException e) {
                // the process is gone; what it printed so far is kept
            }
        });
        // A regression would leave the server running: bounded wait, then kill it.
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(Duration.ofSeconds(10));
        String output = printed.toString(StandardCharsets.UTF_8);
        assertThat(exited).as("exited by itself; output:%n%s", output).isTrue();
        return new Outcome(process.exitValue(), output);
    }

    private record Outcome(int exitCode, String output) {
    }
}
