package org.productservice.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.productservice.testing.TestEngine;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A port that is already taken: the service must not report itself up (nor exit 0, which
 * `make run` and orchestrators read as success); it exits 1 with one line naming the port.
 * Needs a real process, like `make run`'s: Main from this JVM's class path.
 */
class TakenPortTest {
    @Test
    void aTakenPortEndsTheStartWithExitOneAndALineNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Process process = new ProcessBuilder(List.of(
                    ProcessHandle.current().info().command().orElseThrow(),
                    "-cp", System.getProperty("java.class.path"),
                    "-Dconfig.profile=local",
                    "-Dlog.format=text",
                    "-Dserver.host=127.0.0.1",
                    "-Dserver.port=" + port,
                    "-Ddynamodb.endpoint=" + TestEngine.get().endpoint(),
                    "org.productservice.Main")).redirectErrorStream(true).start();
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
            assertThat(process.exitValue()).as("exit code; output:%n%s", output).isEqualTo(1);
            assertThat(output.lines().toList()).as(output)
                    .contains("product-service could not listen on port " + port
                              + " (taken by another process?): stop it, or set SERVER_PORT")
                    .noneMatch(line -> line.contains("is up on"));
        }
    }
}
