package org.productservice;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.helidon.config.Config;
import io.helidon.webserver.WebServerConfig;

import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestConfig;
import org.productservice.testing.TestEngine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.productservice.testing.Problems.assertProblem;

/** Production settings have no built-in secrets, and the cursor key can be rotated without failed pages. */
class SecretsAndKeyRotationTest {

    /** The production file alone (application.yaml), plus the given keys: what a deployment starts with. */
    private static Config production(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(values);
        all.put("dynamodb.endpoint", TestEngine.get().endpoint());
        all.put("dynamodb.region", "us-east-1");
        return TestConfig.production(all);
    }

    @Test
    void productionRefusesToStartWithoutCursorKeyIssuerOrAudience() {
        assertThatThrownBy(() -> Main.configure(WebServerConfig.builder(), production(Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("api.cursor.secret is not set: set API_CURSOR_SECRET to a random value of at least 16 "
                                    + "characters, the same on every instance (or API_CURSOR_ARN to read it from AWS "
                                    + "Secrets Manager)");
        assertThatThrownBy(() -> Main.configure(WebServerConfig.builder(),
                                                production(Map.of("api.cursor.secret", "0123456789abcdef"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("auth.issuer is not set: set AUTH_ISSUER");
        assertThatThrownBy(() -> Main.configure(WebServerConfig.builder(),
                                                production(Map.of("api.cursor.secret", "0123456789abcdef",
                                                                  "auth.issuer", "https://issuer.example"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("auth.audience is not set: set AUTH_AUDIENCE");
    }

    @Test
    void tooShortPreviousKeyStopsTheStartEvenWhenTheKeyComesFromSecretsManager() {
        // With API_CURSOR_ARN the current key arrives after the start; the previous one is checked anyway.
        String arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cursor-key-AbCdEf";
        for (Map<String, String> keys : List.of(Map.of("api.cursor.arn", arn, "api.cursor.previous", "short-old-key"),
                                                Map.of("api.cursor.secret", "0123456789abcdef", "api.cursor.previous", "x"))) {
            assertThatThrownBy(() -> Main.configure(WebServerConfig.builder(), production(keys)))
                    .as("%s", keys)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("api.cursor.previous (API_CURSOR_PREVIOUS) must be at least 16 characters: "
                                        + "it is the key before the last rotation, unchanged");
        }
        assertThatThrownBy(() -> Main.configure(WebServerConfig.builder(), production(Map.of("api.cursor.secret", "short"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("api.cursor.secret (API_CURSOR_SECRET) must be at least 16 characters");
    }

    @Test
    void cursorsOfThePreviousKeyStillWorkAfterARotation() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> tables = Map.of("dynamodb.table.products", "rotation-products-" + suffix,
                                            "dynamodb.table.idempotency", "rotation-idempotency-" + suffix);
        String oldKey = "old-cursor-key-" + suffix;
        String newKey = "new-cursor-key-" + suffix;

        String cursor;
        RunningService before = start(tables, Map.of("api.cursor.secret", oldKey));
        try {
            Api api = new Api(before.port());
            api.createProduct("one", "d");
            api.createProduct("two", "d");
            cursor = api.get("/products?limit=1").json().get("next_cursor").asText();
        } finally {
            before.close();
        }

        RunningService rotated = start(tables, Map.of("api.cursor.secret", newKey, "api.cursor.previous", oldKey));
        try {
            Api.Response page = new Api(rotated.port()).get("/products?limit=1&cursor=" + cursor);
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            assertThat(page.json().get("items")).hasSize(1);
        } finally {
            rotated.close();
        }

        RunningService afterRotation = start(tables, Map.of("api.cursor.secret", newKey));
        try {
            assertProblem(new Api(afterRotation.port()).get("/products?limit=1&cursor=" + cursor), 400);
        } finally {
            afterRotation.close();
        }
    }

    private static RunningService start(Map<String, String> tables, Map<String, String> keys) {
        Map<String, String> values = new HashMap<>(tables);
        values.putAll(keys);
        return RunningService.start(values);
    }
}
