package org.productservice.observability;

import java.util.Map;

import io.helidon.metrics.api.Metrics;

import org.junit.jupiter.api.Test;
import org.productservice.dynamodb.DynamoDbClients;
import org.productservice.dynamodb.DynamoDbSettings;
import org.productservice.testing.TestEngine;

import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The DynamoDB client is measured by the metrics interceptor alone: no SDK metric publisher, so
 * the SDK builds no metric collections on any call or attempt (a few percent of the CPU of a
 * request, docs/PERFORMANCE.md decision 10).
 */
class DynamoDbClientWiringTest {

    @Test
    void theClientHasNoMetricPublisherAndTheMetricsInterceptor() {
        DynamoDbMetrics metrics = new DynamoDbMetrics(Metrics.globalRegistry());
        DynamoDbSettings settings = DynamoDbSettings.create(TestEngine.config("http://127.0.0.1:9", Map.of()).get("dynamodb"), 4);
        try (DynamoDbClient client = DynamoDbClients.create(settings, metrics)) {
            ClientOverrideConfiguration configuration = client.serviceClientConfiguration().overrideConfiguration();
            assertThat(configuration.metricPublishers()).isEmpty();
            assertThat(configuration.executionInterceptors()).contains(metrics);
        }
    }
}
