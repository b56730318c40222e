package org.productservice.product;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.productservice.schema.Tables;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

/** {@link IdempotencyStore} on its own DynamoDB table, whose TTL removes expired records. */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {
    private static final String REQUEST_HASH = "request_hash";
    private static final String PRODUCT_ID = "product_id";
    private static final String COMPLETED = "completed";

    private final DynamoDbClient client;
    private final String tableName;

    /**
     * Creates the store.
     *
     * @param client    the process's DynamoDB client
     * @param tableName idempotency table
     */
    public DynamoDbIdempotencyStore(DynamoDbClient client, String tableName) {
        this.client = client;
        this.tableName = tableName;
    }

    @Override
    public Optional<IdempotencyRecord> claim(IdempotencyRecord record, Instant now) {
        // A record can vanish between the failed write and the read (TTL): then claim again, a bounded number of times.
        for (int attempt = 1; ; attempt++) {
            Optional<Optional<IdempotencyRecord>> outcome = tryClaim(record, now);
            if (outcome.isPresent()) {
                return outcome.get();
            }
            if (attempt == 3) {
                throw new IllegalStateException("Idempotency record " + record.key() + " keeps disappearing");
            }
        }
    }

    /** Empty when the record disappeared between the write and the read. */
    private Optional<Optional<IdempotencyRecord>> tryClaim(IdempotencyRecord record, Instant now) {
        try {
            client.putItem(b -> b.tableName(tableName)
                    .item(Map.of(Tables.IDEMPOTENCY_KEY, AttributeValue.fromS(record.key()),
                                 REQUEST_HASH, AttributeValue.fromS(record.requestHash()),
                                 PRODUCT_ID, AttributeValue.fromS(record.productId()),
                                 Tables.EXPIRES_AT, AttributeValue.fromN(Long.toString(record.expiresAt().getEpochSecond())),
                                 COMPLETED, AttributeValue.fromBool(false)))
                    // TTL deletes lazily (and local engines not at all): an expired record is free.
                    .conditionExpression("attribute_not_exists(#key) OR #expires < :now")
                    .expressionAttributeNames(Map.of("#key", Tables.IDEMPOTENCY_KEY, "#expires", Tables.EXPIRES_AT))
                    .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond())))));
            return Optional.of(Optional.empty());
        } catch (ConditionalCheckFailedException taken) {
            GetItemResponse existing = client.getItem(b -> b.tableName(tableName)
                    .key(Map.of(Tables.IDEMPOTENCY_KEY, AttributeValue.fromS(record.key())))
                    .consistentRead(true));
            if (!existing.hasItem() || existing.item().isEmpty()) {
                return Optional.empty();
            }
            Map<String, AttributeValue> item = existing.item();
            return Optional.of(Optional.of(new IdempotencyRecord(record.key(),
                                                     item.get(REQUEST_HASH).s(),
                                                     item.get(PRODUCT_ID).s(),
                                                     Instant.ofEpochSecond(Long.parseLong(item.get(Tables.EXPIRES_AT).n())),
                                                     Boolean.TRUE.equals(item.get(COMPLETED).bool()))));
        }
    }

    @Override
    public void complete(String key) {
        try {
            client.updateItem(b -> b.tableName(tableName)
                .key(Map.of(Tables.IDEMPOTENCY_KEY, AttributeValue.fromS(key)))
                .updateExpression("SET #completed = :true")
                .conditionExpression("attribute_exists(#key)")
                .expressionAttributeNames(Map.of("#completed", COMPLETED, "#key", Tables.IDEMPOTENCY_KEY))
                .expressionAttributeValues(Map.of(":true", AttributeValue.fromBool(true))));
        } catch (ConditionalCheckFailedException expired) {
            // The record expired and TTL removed it: nothing left to mark.
        }
    }
}
