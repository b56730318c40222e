package org.productservice.dynamodb;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import io.helidon.config.Config;

import org.productservice.schema.Tables;

/**
 * Everything configurable about DynamoDB, read from the {@code dynamodb} config node. Each key
 * can be overridden by an environment variable: {@code dynamodb.timeout.call} is
 * {@code DYNAMODB_TIMEOUT_CALL}.
 *
 * @param region              AWS region; empty means the SDK's default region chain
 * @param endpoint            endpoint override (local engine); empty means AWS
 * @param createTables        create missing tables at start-up; local engines only, never AWS
 * @param productTable        product table name
 * @param nameIndex           name index of the product table
 * @param idempotencyTable    idempotency-record table name
 * @param connectTimeout      TCP connect timeout
 * @param socketTimeout       read timeout on an open connection, applied only when shorter than the attempt timeout
 * @param apiCallAttemptTimeout bound of one HTTP attempt
 * @param apiCallTimeout      bound of one SDK call including all retries
 * @param maxAttempts         attempts per call, first one included (standard retry mode)
 * @param maxConnections      HTTP connection pool size
 * @param healthTimeout       bound of the readiness check's DescribeTable calls
 */
public record DynamoDbSettings(Optional<String> region,
                               Optional<URI> endpoint,
                               boolean createTables,
                               String productTable,
                               String nameIndex,
                               String idempotencyTable,
                               Duration connectTimeout,
                               Duration socketTimeout,
                               Duration apiCallAttemptTimeout,
                               Duration apiCallTimeout,
                               int maxAttempts,
                               int maxConnections,
                               Duration healthTimeout) {

    /**
     * Reads the settings.
     *
     * @param dynamodb           the {@code dynamodb} config node
     * @param defaultConnections pool size when {@code dynamodb.connections} is not set
     * @return the settings, with defaults for missing keys
     */
    public static DynamoDbSettings create(Config dynamodb, int defaultConnections) {
        DynamoDbSettings settings = new DynamoDbSettings(
                dynamodb.get("region").asString().asOptional().filter(s -> !s.isBlank()),
                dynamodb.get("endpoint").asString().asOptional().filter(s -> !s.isBlank()).map(URI::create),
                dynamodb.get("autocreate").asBoolean().orElse(false),
                dynamodb.get("table.products").asString().orElse(Tables.PRODUCTS.defaultName()),
                dynamodb.get("table.index").asString().orElse(Tables.PRODUCT_NAME_INDEX.name()),
                dynamodb.get("table.idempotency").asString().orElse(Tables.IDEMPOTENCY.defaultName()),
                dynamodb.get("timeout.connect").as(Duration.class).orElse(Duration.ofSeconds(1)),
                dynamodb.get("timeout.socket").as(Duration.class).orElse(Duration.ofSeconds(2)),
                dynamodb.get("timeout.attempt").as(Duration.class).orElse(Duration.ofMillis(1500)),
                dynamodb.get("timeout.call").as(Duration.class).orElse(Duration.ofSeconds(3)),
                dynamodb.get("retry.attempts").asInt().orElse(3),
                dynamodb.get("connections").asInt().orElse(defaultConnections),
                dynamodb.get("timeout.health").as(Duration.class).orElse(Duration.ofSeconds(1)));
        settings.validate();
        return settings;
    }

    private void validate() {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("dynamodb.retry.attempts must be at least 1");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("dynamodb.connections must be at least 1");
        }
        if (apiCallAttemptTimeout.compareTo(apiCallTimeout) > 0) {
            throw new IllegalArgumentException("dynamodb.timeout.attempt must not exceed dynamodb.timeout.call");
        }
    }
}
