package org.productservice.secrets;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;


import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;

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
            RunningService server = RunningService.start(Map.of(
                    "api.cursor.arn", CursorKeySourceTest.ARN,
                    "secretsmanager.endpoint", fake.endpoint(),
                    "secretsmanager.retry.first", "PT0.05S",
                    "secretsmanager.retry.max", "PT0.2S"));
            Api api = server.api();
            Api admin = server.admin();
            try {
                // The first read runs in the background; wait until it has been answered.
                Api.Response down = await(admin, response -> !"not read yet".equals(
                        check(response.json(), "cursor-key").path("data").path("state").asText()));
                assertThat(down.status()).isEqualTo(503);
                JsonNode key = check(down.json(), "cursor-key");
                assertThat(key.path("status").asText()).isEqualTo("DOWN");
                assertThat(key.path("data").path("secret").asText()).isEqualTo(CursorKeySourceTest.NAME);
                assertThat(key.path("data").path("state").asText()).contains("access denied", "secretsmanager:GetSecretValue");
                assertThat(key.path("data").path("error").asText()).isEqualTo("AccessDeniedException");
                assertThat(key.path("data").path("attempts").asInt()).isPositive();
                // Health is served to the nodes, the ALB and the monitoring namespace: no ARN there.
                assertThat(down.body()).doesNotContain("arn:aws", "123456789012");
                // Liveness never depends on it: a restart would not help.
                assertThat(admin.get("/observe/health/live").status()).isEqualTo(200);
                // A page that needs a cursor cannot be signed yet: 503, never a cursor under another key.
                api.createProduct("cursor-key", "one");
                api.createProduct("cursor-key", "two");
                Api.Response unsigned = api.get("/products?name=cursor-key&limit=1");
                assertThat(unsigned.status()).isEqualTo(503);
                assertThat(unsigned.header("Content-Type")).hasValue("application/problem+json");
                assertThat(unsigned.header("Retry-After")).hasValue("5");
                assertThat(unsigned.json().path("detail").asText()).contains("cursor signing key");

                fake.deny(false);
                Api.Response up = await(admin, response -> response.status() == 200);
                assertThat(up.status()).isEqualTo(200);
                assertThat(check(up.json(), "cursor-key").path("data").path("state").asText()).isEqualTo("read");
                assertThat(up.body()).doesNotContain("arn:aws", "123456789012", CursorKeySourceTest.KEY);
                assertThat(check(up.json(), "dynamodb").path("status").asText()).isEqualTo("UP");
                Api.Response first = api.get("/products?name=cursor-key&limit=1");
                assertThat(first.status()).isEqualTo(200);
                String cursor = first.json().path("next_cursor").asText();
                assertThat(cursor).isNotEmpty();
                Api.Response second = api.get("/products?name=cursor-key&limit=1&cursor=" + cursor);
                assertThat(second.status()).isEqualTo(200);
                assertThat(second.json().path("items").get(0).path("description").asText()).isEqualTo("one");
            } finally {
                // Let the background read finish whatever happened above (it stops once it has the
                // key), so that it does not outlive the fake server and retry for the rest of the run.
                fake.deny(false);
                await(admin, response -> response.status() == 200);
                server.close();
            }
        }
    }

    private static Api.Response await(Api api, java.util.function.Predicate<Api.Response> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Api.Response response = api.get("/observe/health/ready");
        while (!condition.test(response) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            response = api.get("/observe/health/ready");
        }
        return response;
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
