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
 * answers quickly even when DynamoDB does not. Its details give each table's status by the
 * table's name (never an ARN, which DynamoDB also accepts as a table name, since the ARN carries
 * the account and region) and, when unreachable, the error's class (not its message).
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
                response.detail(label(table), status.toString());
                if (status != TableStatus.ACTIVE) {
                    response.status(false);
                }
            } catch (SdkException e) {
                response.status(false).detail(label(table), "unreachable: " + e.getClass().getSimpleName());
            }
        }
        return response.build();
    }

    /**
     * How the details name a table.
     *
     * @param table a table name, or a table ARN ({@code arn:aws:dynamodb:<region>:<account>:table/<name>})
     * @return the name
     */
    static String label(String table) {
        int name = table.indexOf(":table/");
        return table.startsWith("arn:") && name > 0 ? table.substring(name + ":table/".length()) : table;
    }
}
