package org.productservice.faults;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.productservice.faults.HostileConnections.Herd;
import org.productservice.testing.Api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.productservice.faults.HostileConnections.exchange;

/**
 * The open-files limit, with the service in its own JVM under a small {@code ulimit -n}: far more
 * connections than it may hold never exhaust its file descriptors (Helidon's listener would stop
 * for good), and a cap that does not fit under the limit stops the start with a message naming it.
 */
class FileDescriptorCeilingTest {
    private static final int OPEN_FILES = 1000;
    private static final byte[] LIST = "GET /products?limit=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    @Test
    void threeTimesMoreConnectionsThanFileDescriptorsLeaveTheApiListeningAndLive() throws Exception {
        // No connections.max: the default cap shrinks to fit the limit (1000 - 32 - 512 = 456, under the heap's ~500).
        try (ChildService child = ChildService.launch(Map.of(), OPEN_FILES,
                                                      ProcessBuilder.Redirect.DISCARD)) {
            child.awaitReady();
            try (Herd herd = Herd.open(child.port(), 3 * OPEN_FILES, new byte[0])) {
                assertThat(child.openFileDescriptors()).as("the service's open files").isLessThan(OPEN_FILES - 100);
                // The listener still accepts: a new connection gets an answer, not silence: served when a
                // connection stalled in its head for over a second makes room, else 503 at the cap.
                assertThat(exchange(child.port(), LIST, Duration.ofSeconds(5))).containsPattern("^HTTP/1.1 (200|503) ");
                assertThat(Api.admin(child.adminPort()).get("/observe/health/live").status())
                        .isEqualTo(200);
            }
            String answer = "";
            for (int i = 0; i < 100 && !answer.startsWith("HTTP/1.1 200"); i++) {
                answer = exchange(child.port(), LIST, Duration.ofSeconds(5));
                Thread.sleep(100);
            }
            assertThat(answer).as("the API once the herd is gone").startsWith("HTTP/1.1 200 OK");
            assertThat(child.alive()).isTrue();
        }
    }

    @Test
    void aConnectionCapAboveTheOpenFilesLimitStopsTheStart(@TempDir Path dir) throws Exception {
        Path output = dir.resolve("service.log");
        try (ChildService child = ChildService.launch(Map.of("connections.max", "2000"), OPEN_FILES,
                                                      ProcessBuilder.Redirect.to(output.toFile()))) {
            assertThat(child.awaitExit(Duration.ofSeconds(90))).isNotZero();
        }
        assertThat(Files.readString(output)).contains("connections.max (CONNECTIONS_MAX=2000)")
                .contains("ulimit -n = " + OPEN_FILES);
    }
}
