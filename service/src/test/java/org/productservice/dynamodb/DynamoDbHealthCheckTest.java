package org.productservice.dynamodb;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.helidon.health.HealthCheckResponse;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

import static org.assertj.core.api.Assertions.assertThat;

/** The readiness details name each table and its status, never an ARN or an error's message. */
class DynamoDbHealthCheckTest {
    private static final String PRODUCTS_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/product-service-prod-ProductTable-X1";

    @Test
    void tablesGivenByArnAreNamedByTheirNameOnly() {
        DynamoDbClient client = answering(Map.of(PRODUCTS_ARN, TableStatus.ACTIVE, "idempotency", TableStatus.UPDATING));
        HealthCheckResponse response = new DynamoDbHealthCheck(client, List.of(PRODUCTS_ARN, "idempotency"), Duration.ofSeconds(1)).call();
        assertThat(response.status()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(response.details()).isEqualTo(Map.of("product-service-prod-ProductTable-X1", "ACTIVE", "idempotency", "UPDATING"));
    }

    @Test
    void anUnreachableTableGivesTheErrorsClassNotItsMessage() {
        DynamoDbClient client = new DynamoDbClient() {
            @Override
            public DescribeTableResponse describeTable(DescribeTableRequest request) {
                throw SdkClientException.create("Unable to execute HTTP request: " + PRODUCTS_ARN + " at dynamodb.eu-west-1.amazonaws.com");
            }

            @Override
            public String serviceName() {
                return "dynamodb";
            }

            @Override
            public void close() {
            }
        };
        HealthCheckResponse response = new DynamoDbHealthCheck(client, List.of(PRODUCTS_ARN), Duration.ofSeconds(1)).call();
        assertThat(response.status()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(response.details()).isEqualTo(Map.of("product-service-prod-ProductTable-X1", "unreachable: SdkClientException"));
    }

    @Test
    void labelKeepsAPlainNameAndCutsAnArnToItsName() {
        assertThat(DynamoDbHealthCheck.label("products")).isEqualTo("products");
        assertThat(DynamoDbHealthCheck.label("arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/t.1"))
                .isEqualTo("t.1");
    }

    private static DynamoDbClient answering(Map<String, TableStatus> statuses) {
        return new DynamoDbClient() {
            @Override
            public DescribeTableResponse describeTable(DescribeTableRequest request) {
                return DescribeTableResponse.builder()
                        .table(t -> t.tableName(request.tableName()).tableStatus(statuses.get(request.tableName())))
                        .build();
            }

            @Override
            public String serviceName() {
                return "dynamodb";
            }

            @Override
            public void close() {
            }
        };
    }
}
