package org.productservice.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A previous cursor key that could never verify a cursor, with the current key in Secrets Manager:
 * the process ends at start with exit code 2 and a line naming API_CURSOR_PREVIOUS, before it
 * reads the secret, instead of answering every page request with 500 later.
 */
class InvalidPreviousCursorKeyTest {
    @Test
    void tooShortPreviousKeyEndsTheStartWithExitTwoAndALineNamingIt(@TempDir Path dir) throws Exception {
        Path output = dir.resolve("service.log");
        try (ChildService child = ChildService.launch(Map.of(
                "api.cursor.arn", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cursor-key-AbCdEf",
                // Nothing listens there: the start must end before any read is tried.
                "secretsmanager.endpoint", "http://127.0.0.1:9",
                "api.cursor.previous", "too-short"), 0, ProcessBuilder.Redirect.to(output.toFile()))) {
            assertThat(child.awaitExit(Duration.ofSeconds(90))).as("exit code; output:%n%s", Files.readString(output)).isEqualTo(2);
        }
        assertThat(Files.readString(output))
                .contains("product-service cannot start: api.cursor.previous (API_CURSOR_PREVIOUS) must be at least 16 characters")
                .doesNotContain("cursor key read", "cannot read the cursor key");
    }
}
