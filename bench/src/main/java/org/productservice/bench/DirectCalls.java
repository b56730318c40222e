package org.productservice.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.productservice.bench.LoadRunner.Operation;
import org.productservice.bench.LoadRunner.Worker;
import org.productservice.schema.Tables;

import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedClient;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.model.GetItemEnhancedRequest;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * The DynamoDB requests behind each API operation, issued directly with the low-level client:
 * the same request the service sends for it (consistent GetItem; conditional PutItem; one
 * conditional UpdateItem with a version increment returning the new item; a Query of one page
 * plus one item on the name index, newest first; a Scan of one page plus one item). What the
 * service adds on top of these is what the service/direct ratio measures.
 */
final class DirectCalls implements Operations {
    private static final AttributeValue ONE = AttributeValue.fromN("1");
    private static final String DESCRIPTION = "Written directly by the benchmark.";

    private final DynamoDbClient client;
    private final String table;
    private final String index;
    private final Dataset data;

    DirectCalls(DynamoDbClient client, String table, String index, Dataset data) {
        this.client = client;
        this.table = table;
        this.index = index;
        this.data = data;
    }

    @Override
    public Operation get() {
        return worker -> {
            GetItemResponse response = client.getItem(b -> b.tableName(table)
                    .key(key(data.id(worker.random().nextInt(data.size()))))
                    .consistentRead(true));
            return response.hasItem() ? null : "item not found";
        };
    }

    @Override
    public Operation post() {
        return worker -> {
            String now = Dataset.epochSeconds(System.currentTimeMillis());
            Map<String, AttributeValue> item = Map.of(
                    Tables.ID, AttributeValue.fromS(UUID.randomUUID().toString()),
                    Tables.NAME, AttributeValue.fromS(ServiceCalls.postName(worker)),
                    Tables.DESCRIPTION, AttributeValue.fromS(DESCRIPTION),
                    Tables.CREATED_AT, AttributeValue.fromN(now),
                    Tables.UPDATED_AT, AttributeValue.fromN(now),
                    Tables.VERSION, ONE);
            client.putItem(b -> b.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", Tables.ID)));
            return null;
        };
    }

    @Override
    public Operation put() {
        return worker -> {
            int product = ServiceCalls.ownedProduct(worker, data);
            long expected = data.version(product);
            Map<String, String> names = new HashMap<>();
            names.put("#id", Tables.ID);
            names.put("#updated", Tables.UPDATED_AT);
            names.put("#version", Tables.VERSION);
            names.put("#name", Tables.NAME);
            names.put("#description", Tables.DESCRIPTION);
            Map<String, AttributeValue> values = new HashMap<>();
            values.put(":updated", AttributeValue.fromN(Dataset.epochSeconds(System.currentTimeMillis())));
            values.put(":one", ONE);
            values.put(":name", AttributeValue.fromS(data.name(product)));
            values.put(":description", AttributeValue.fromS(DESCRIPTION));
            values.put(":expected", AttributeValue.fromN(Long.toString(expected)));
            UpdateItemResponse response;
            try {
                response = client.updateItem(b -> b.tableName(table)
                    .key(key(data.id(product)))
                    .updateExpression("SET #updated = :updated, #version = if_not_exists(#version, :one) + :one, "
                                              + "#name = :name, #description = :description")
                    .conditionExpression("attribute_exists(#id) AND (#version = :expected)")
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)
                    .returnValues(ReturnValue.ALL_NEW));
            } catch (ConditionalCheckFailedException e) {
                // A stale version: an earlier attempt that timed out on the client may still have
                // been applied. Learn the current one, so that one miss costs one error.
                var current = client.getItem(b -> b.tableName(table).key(key(data.id(product))).consistentRead(true));
                if (current.hasItem()) {
                    data.version(product, Long.parseLong(current.item().get(Tables.VERSION).n()));
                }
                return "conditional check failed (version " + expected + ")";
            }
            data.version(product, Long.parseLong(response.attributes().get(Tables.VERSION).n()));
            return null;
        };
    }

    @Override
    public Operation query() {
        return worker -> queryPage(data.names().get(worker.random().nextInt(data.names().size())), null);
    }

    /**
     * A page of 20 of one name, newest first.
     *
     * @param name       the name
     * @param startAfter the last key of the previous page, or null for the first page
     * @return the operation
     */
    Operation query(String name, Map<String, AttributeValue> startAfter) {
        return worker -> queryPage(name, startAfter);
    }

    private String queryPage(String name, Map<String, AttributeValue> startAfter) {
        var response = client.query(queryRequest(name, startAfter, 21));
        return response.count() > 0 ? null : "empty page";
    }

    QueryRequest queryRequest(String name, Map<String, AttributeValue> startAfter, int limit) {
        return QueryRequest.builder()
                .tableName(table)
                .indexName(index)
                .keyConditionExpression("#name = :name")
                .expressionAttributeNames(Map.of("#name", Tables.NAME))
                .expressionAttributeValues(Map.of(":name", AttributeValue.fromS(name)))
                .scanIndexForward(false)
                .exclusiveStartKey(startAfter)
                .limit(limit)
                .build();
    }

    @Override
    public Operation list() {
        return list(null);
    }

    /**
     * A page of 20 of the whole table.
     *
     * @param startAfter the last key of the previous page, or null for the first page
     * @return the operation
     */
    Operation list(Map<String, AttributeValue> startAfter) {
        return worker -> {
            var response = client.scan(scanRequest(startAfter, 21));
            return response.count() > 0 ? null : "empty page";
        };
    }

    ScanRequest scanRequest(Map<String, AttributeValue> startAfter, int limit) {
        return ScanRequest.builder().tableName(table).exclusiveStartKey(startAfter).limit(limit).build();
    }

    /**
     * The key after which page {@code page} (1-based) of 20 starts, found by reading the pages
     * before it.
     *
     * @param name a name to query, or null for the whole table (Scan)
     * @param page 1-based page number
     * @return the exclusive start key, or null for page 1
     */
    Map<String, AttributeValue> startOfPage(String name, int page) {
        Map<String, AttributeValue> start = null;
        for (int i = 1; i < page; i++) {
            Map<String, AttributeValue> last = name == null
                    ? client.scan(scanRequest(start, 20)).lastEvaluatedKey()
                    : client.query(queryRequest(name, start, 20)).lastEvaluatedKey();
            if (last == null || last.isEmpty()) {
                throw new IllegalStateException("There is no page " + page + (name == null ? "" : " of " + name));
            }
            start = last;
        }
        return start;
    }

    /** GetItem through the enhanced client with the given schema: the schema-style comparison. */
    Operation enhancedGet(TableSchema<BenchItem> schema) {
        DynamoDbTable<BenchItem> mapped = DynamoDbEnhancedClient.builder().dynamoDbClient(client).build().table(table, schema);
        return (Worker worker) -> {
            BenchItem item = mapped.getItem(GetItemEnhancedRequest.builder()
                                                    .key(Key.builder().partitionValue(data.id(worker.random().nextInt(data.size()))).build())
                                                    .consistentRead(true)
                                                    .build());
            return item != null && item.getVersion() != null ? null : "item not found";
        };
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of(Tables.ID, AttributeValue.fromS(id));
    }
}
