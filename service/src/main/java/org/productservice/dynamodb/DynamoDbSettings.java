package org.productservice.dynamodb;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import io.helidon.config.Config;

import static org.productservice.config.ConfigKeys.bool;
import static org.productservice.config.ConfigKeys.duration;
import static org.productservice.config.ConfigKeys.integer;
import static org.productservice.config.ConfigKeys.optional;
import static org.productservice.config.ConfigKeys.string;

/**
 * Everything configurable about DynamoDB, read from the {@code dynamodb} config node. Each key
 * can be overridden by an environment variable: {@code dynamodb.timeout.call} is
 * {@code DYNAMODB_TIMEOUT_CALL}. Defaults live in {@code application.yaml} only; {@code region},
 * {@code endpoint} and {@code connections} have none.
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
     * @return the settings
     * @throws IllegalArgumentException naming the key and its variable, when one is missing or invalid
     */
    public static DynamoDbSettings create(Config dynamodb, int defaultConnections) {
        DynamoDbSettings settings = new DynamoDbSettings(
                optional(dynamodb.get("region")),
                optional(dynamodb.get("endpoint"), URI::create),
                bool(dynamodb.get("autocreate")),
                string(dynamodb.get("table.products")),
                string(dynamodb.get("table.index")),
                string(dynamodb.get("table.idempotency")),
                duration(dynamodb.get("timeout.connect")),
                duration(dynamodb.get("timeout.socket")),
                duration(dynamodb.get("timeout.attempt")),
                duration(dynamodb.get("timeout.call")),
                integer(dynamodb.get("retry.attempts")),
                optional(dynamodb.get("connections"), Integer::parseInt).orElse(defaultConnections),
                duration(dynamodb.get("timeout.health")));
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
