package org.productservice.secrets;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.productservice.Main;
import org.productservice.testing.Api;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole server with api.cursor.arn: not ready until the key is read, then ready by itself. */
class CursorKeyReadinessTest {

    @BeforeAll
    static void credentials() {
        CursorKeySourceTest.credentials();
    }

    @AfterAll
    static void noCredentials() {
        CursorKeySourceTest.noCredentials();
    }

    @Test
    void serverIsNotReadyWhileTheSecretIsUnreadableAndReadyOnceItIs() throws IOException, InterruptedException {
        try (FakeSecretsManager fake = FakeSecretsManager.start()) {
            fake.secrets(Map.of(CursorKeySourceTest.ARN, CursorKeySourceTest.KEY));
            fake.deny(true);
            WebServer server = WebServer.builder()
                    .update(builder -> Main.configure(builder, TestEngine.config(TestEngine.get().endpoint(), Map.of(
                            "api.cursor.arn", CursorKeySourceTest.ARN,
                            "secretsmanager.endpoint", fake.endpoint(),
                            "secretsmanager.retry.first", "PT0.05S",
                            "secretsmanager.retry.max", "PT0.2S"))))
                    .build()
                    .start();
            try {
                Api api = new Api(server.port());
                Api.Response down = api.get("/observe/health/ready");
                assertThat(down.status()).isEqualTo(503);
                JsonNode key = check(down.json(), "cursor-key");
                assertThat(key.path("status").asText()).isEqualTo("DOWN");
                assertThat(key.path("data").path("secret").asText()).isEqualTo(CursorKeySourceTest.ARN);
                assertThat(key.path("data").path("state").asText()).contains("access denied", "secretsmanager:GetSecretValue");
                // Liveness never depends on it: a restart would not help.
                assertThat(api.get("/observe/health/live").status()).isEqualTo(200);

                fake.deny(false);
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                Api.Response up;
                do {
                    Thread.sleep(50);
                    up = api.get("/observe/health/ready");
                } while (up.status() != 200 && System.nanoTime() < deadline);
                assertThat(up.status()).isEqualTo(200);
                assertThat(check(up.json(), "cursor-key").path("data").path("state").asText()).isEqualTo("read");
                assertThat(check(up.json(), "dynamodb").path("status").asText()).isEqualTo("UP");
            } finally {
                server.stop();
            }
        }
    }

    private static JsonNode check(JsonNode health, String name) {
        for (JsonNode check : health.path("checks")) {
            if (name.equals(check.path("name").asText())) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }
}
