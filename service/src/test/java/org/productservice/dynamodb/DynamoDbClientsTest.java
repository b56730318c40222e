package org.productservice.dynamodb;

import java.time.Duration;
import java.util.Map;

import io.helidon.config.Config;

import org.junit.jupiter.api.Test;

import org.productservice.testing.TestConfig;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class DynamoDbClientsTest {
    @Test
    void socketTimeoutShorterThanTheAttemptIsHandedToTheSocket() {
        assertThat(DynamoDbClients.readTimeout(settings("PT0.5S", "PT1.5S")), is(Duration.ofMillis(500)));
    }

    @Test
    void socketTimeoutNotShorterThanTheAttemptIsLeftToTheAttemptTimeout() {
        assertThat(DynamoDbClients.readTimeout(settings("PT2S", "PT1.5S")), is(Duration.ZERO));
        assertThat(DynamoDbClients.readTimeout(settings("PT1.5S", "PT1.5S")), is(Duration.ZERO));
    }

    private static DynamoDbSettings settings(String socket, String attempt) {
        Config config = TestConfig.production(Map.of("dynamodb.timeout.socket", socket, "dynamodb.timeout.attempt", attempt));
        return DynamoDbSettings.create(config.get("dynamodb"), 16);
    }
}
