package org.productservice.dynamodb;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.productservice.schema.AttributeType;
import org.productservice.schema.IndexDefinition;
import org.productservice.schema.KeyAttribute;
import org.productservice.schema.TableDefinition;
import org.productservice.schema.Tables;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * Creates the tables on a local engine when they are missing, from the shared schema. Only
 * ever enabled for local engines ({@code dynamodb.autocreate}); in AWS the CDK app owns them.
 *
 * <p>It runs in the background and retries until the engine answers, so the server starts
 * (live, not ready) even when the engine comes up after it.
 */
public final class TableBootstrap {
    private static final System.Logger LOGGER = System.getLogger(TableBootstrap.class.getName());
    private static final Duration RETRY_DELAY = Duration.ofSeconds(1);
    // Tables are only created on local engines (dynamodb.autocreate), where they are ACTIVE within moments.
    private static final WaiterOverrideConfiguration TABLE_WAIT = WaiterOverrideConfiguration.builder()
            .backoffStrategyV2(BackoffStrategy.fixedDelay(Duration.ofMillis(200)))
            .waitTimeout(Duration.ofMinutes(2))
            .build();

    private final DynamoDbClient client;
    private final DynamoDbSettings settings;
    private volatile boolean done;

    /**
     * Creates the bootstrap.
     *
     * @param client   DynamoDB client
     * @param settings table names and whether to create tables at all
     */
    public TableBootstrap(DynamoDbClient client, DynamoDbSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /**
     * Creates missing tables, if configured to: once right away, so that a server whose engine
     * is up starts ready; if the engine does not answer, again in the background until it does.
     */
    public void start() {
        if (!settings.createTables()) {
            done = true;
            return;
        }
        try {
            ensureTables(client, settings);
            done = true;
        } catch (SdkException e) {
            Thread.ofVirtual().name("table-bootstrap").start(this::createUntilDone);
        }
    }

    /**
     * Whether the tables are known to exist (or need no creating).
     *
     * @return true once done
     */
    public boolean done() {
        return done;
    }

    private void createUntilDone() {
        boolean warned = false;
        while (!done) {
            try {
                ensureTables(client, settings);
                done = true;
            } catch (SdkException e) {
                if (!warned) {
                    LOGGER.log(Level.WARNING, "DynamoDB at " + settings.endpoint().map(Object::toString).orElse("AWS")
                            + " is not reachable yet (" + e.getMessage() + "); retrying every " + RETRY_DELAY.toSeconds() + " s");
                    warned = true;
                }
                try {
                    Thread.sleep(RETRY_DELAY);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Creates the product and idempotency tables if they do not exist and waits until they
     * are active.
     *
     * @param client   DynamoDB client
     * @param settings table and index names
     */
    public static void ensureTables(DynamoDbClient client, DynamoDbSettings settings) {
        ensure(client, Tables.PRODUCTS, settings.productTable(), settings.nameIndex());
        ensure(client, Tables.IDEMPOTENCY, settings.idempotencyTable(), null);
    }

    /**
     * The CreateTable request of a table definition, with configured names.
     *
     * @param table     definition
     * @param tableName configured table name
     * @param indexName configured name of the table's one index, or null to keep the defaults
     * @return the request
     */
    static CreateTableRequest createRequest(TableDefinition table, String tableName, String indexName) {
        List<AttributeDefinition> attributes = new ArrayList<>();
        for (Map.Entry<String, AttributeType> attribute : table.keyAttributes().entrySet()) {
            attributes.add(AttributeDefinition.builder()
                                   .attributeName(attribute.getKey())
                                   .attributeType(ScalarAttributeType.fromValue(attribute.getValue().name()))
                                   .build());
        }
        List<GlobalSecondaryIndex> indexes = new ArrayList<>();
        for (IndexDefinition index : table.indexes()) {
            List<KeySchemaElement> keys = new ArrayList<>();
            keys.add(keyElement(index.partitionKey(), KeyType.HASH));
            index.sortKey().ifPresent(sortKey -> keys.add(keyElement(sortKey, KeyType.RANGE)));
            indexes.add(GlobalSecondaryIndex.builder()
                                .indexName(indexName == null ? index.name() : indexName)
                                .keySchema(keys)
                                .projection(Projection.builder().projectionType(ProjectionType.fromValue(IndexDefinition.PROJECTION)).build())
                                .build());
        }
        return CreateTableRequest.builder()
                .tableName(tableName)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attributes)
                .keySchema(keyElement(table.partitionKey(), KeyType.HASH))
                .globalSecondaryIndexes(indexes.isEmpty() ? null : indexes)
                .build();
    }

    private static void ensure(DynamoDbClient client, TableDefinition table, String tableName, String indexName) {
        try {
            client.describeTable(b -> b.tableName(tableName));
            LOGGER.log(Level.DEBUG, () -> "Table " + tableName + " exists");
        } catch (ResourceNotFoundException missing) {
            try {
                client.createTable(createRequest(table, tableName, indexName));
                LOGGER.log(Level.INFO, () -> "Created table " + tableName);
            } catch (ResourceInUseException createdMeanwhile) {
                // Another instance created it first: fine.
            }
        }
        // The SDK waiter's own pace is a DescribeTable every 20 s: a table that a local engine shows as
        // CREATING for a moment would hold the start (and every test server) for 20 s.
        client.waiter().waitUntilTableExists(DescribeTableRequest.builder().tableName(tableName).build(), TABLE_WAIT);
    }

    private static KeySchemaElement keyElement(KeyAttribute key, KeyType type) {
        return KeySchemaElement.builder().attributeName(key.name()).keyType(type).build();
    }
}
