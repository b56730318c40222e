package org.productservice.dynamodb;

import java.time.Duration;
import java.util.List;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * Readiness: DynamoDB answers and every table the service uses is ACTIVE. A readiness check,
 * never liveness: a DynamoDB outage must take pods out of the load balancer, not restart them.
 * Each DescribeTable is bounded by its own short timeout (retries included), so the probe
 * answers quickly even when DynamoDB does not.
 */
public final class DynamoDbHealthCheck implements HealthCheck {
    private final DynamoDbClient client;
    private final List<String> tables;
    private final Duration timeout;

    /**
     * Creates the check.
     *
     * @param client  DynamoDB client
     * @param tables  tables that must be active
     * @param timeout bound of each DescribeTable call
     */
    public DynamoDbHealthCheck(DynamoDbClient client, List<String> tables, Duration timeout) {
        this.client = client;
        this.tables = List.copyOf(tables);
        this.timeout = timeout;
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "dynamodb";
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(true);
        for (String table : tables) {
            try {
                TableStatus status = client.describeTable(b -> b.tableName(table)
                                .overrideConfiguration(o -> o.apiCallTimeout(timeout)))
                        .table()
                        .tableStatus();
                response.detail(table, status.toString());
                if (status != TableStatus.ACTIVE) {
                    response.status(false);
                }
            } catch (SdkException e) {
                response.status(false).detail(table, "unreachable: " + e.getClass().getSimpleName());
            }
        }
        return response.build();
    }
}
