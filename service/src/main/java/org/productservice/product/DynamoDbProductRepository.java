package org.productservice.product;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.productservice.schema.Tables;

import software.amazon.awssdk.core.pagination.sync.SdkIterable;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedClient;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbIndex;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.GetItemEnhancedRequest;
import software.amazon.awssdk.enhanced.dynamodb.model.Page;
import software.amazon.awssdk.enhanced.dynamodb.model.PutItemEnhancedRequest;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryEnhancedRequest;
import software.amazon.awssdk.enhanced.dynamodb.model.ScanEnhancedRequest;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * {@link ProductRepository} on a DynamoDB table and its name index.
 *
 * <p>Reads and creates go through the enhanced client. Updates and deletes use the low-level
 * client because they are single conditional requests with an atomic version increment, which
 * the enhanced client cannot express. User input only ever reaches DynamoDB as expression
 * attribute values, never as expression text.
 */
public final class DynamoDbProductRepository implements ProductRepository {
    private static final AttributeValue ONE = AttributeValue.fromN("1");
    private static final Expression ID_IS_NEW = Expression.builder()
            .expression("attribute_not_exists(#id)")
            .putExpressionName("#id", Tables.ID)
            .build();

    private final DynamoDbClient client;
    private final String tableName;
    private final DynamoDbTable<ProductItem> table;
    private final DynamoDbIndex<ProductItem> nameIndex;

    /**
     * Creates the repository.
     *
     * @param client        the process's DynamoDB client
     * @param tableName     product table
     * @param nameIndexName index on name and updated_at
     */
    public DynamoDbProductRepository(DynamoDbClient client, String tableName, String nameIndexName) {
        this.client = client;
        this.tableName = tableName;
        DynamoDbEnhancedClient enhanced = DynamoDbEnhancedClient.builder().dynamoDbClient(client).build();
        this.table = enhanced.table(tableName, ProductItem.schema(nameIndexName));
        this.nameIndex = table.index(nameIndexName);
    }

    @Override
    public boolean create(Product product) {
        try {
            table.putItem(PutItemEnhancedRequest.builder(ProductItem.class)
                                  .item(ProductItem.from(product))
                                  .conditionExpression(ID_IS_NEW)
                                  .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            // The SDK retries a PutItem whose response was lost; the retry then finds our own item.
            return find(product.id()).map(product::equals).orElse(false);
        }
    }

    @Override
    public Optional<Product> find(String id) {
        ProductItem item = table.getItem(GetItemEnhancedRequest.builder()
                                                 .key(Key.builder().partitionValue(id).build())
                                                 .consistentRead(true)
                                                 .build());
        return Optional.ofNullable(item).map(ProductItem::toProduct);
    }

    @Override
    public Product update(String id, ProductChanges changes, OptionalLong expectedVersion, Instant now) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        StringBuilder set = new StringBuilder("SET #updated = :updated, #version = if_not_exists(#version, :one) + :one");
        names.put("#updated", Tables.UPDATED_AT);
        names.put("#version", Tables.VERSION);
        values.put(":updated", AttributeValue.fromN(ProductItem.toEpochSeconds(now).toPlainString()));
        values.put(":one", ONE);
        changes.name().ifPresent(name -> {
            set.append(", #name = :name");
            names.put("#name", Tables.NAME);
            values.put(":name", AttributeValue.fromS(name));
        });
        changes.description().ifPresent(description -> {
            set.append(", #description = :description");
            names.put("#description", Tables.DESCRIPTION);
            values.put(":description", AttributeValue.fromS(description));
        });
        String condition = condition(expectedVersion, names, values);
        try {
            UpdateItemResponse response = client.updateItem(UpdateItemRequest.builder()
                                                                    .tableName(tableName)
                                                                    .key(key(id))
                                                                    .updateExpression(set.toString())
                                                                    .conditionExpression(condition)
                                                                    .expressionAttributeNames(names)
                                                                    .expressionAttributeValues(values)
                                                                    .returnValues(ReturnValue.ALL_NEW)
                                                                    .build());
            return table.tableSchema().mapToItem(response.attributes()).toProduct();
        } catch (ConditionalCheckFailedException e) {
            // A retried request whose first attempt was applied (response lost) fails its version
            // condition against its own write: recognise that write and report success.
            if (expectedVersion.isPresent()) {
                Optional<Product> current = find(id);
                if (current.isPresent() && isOwnWrite(current.get(), changes, expectedVersion.getAsLong(), now)) {
                    return current.get();
                }
            }
            throw conditionFailure(id, expectedVersion);
        }
    }

    private static boolean isOwnWrite(Product current, ProductChanges changes, long expectedVersion, Instant now) {
        return current.version() == expectedVersion + 1
                && current.updatedAt().equals(now)
                && changes.name().map(current.name()::equals).orElse(true)
                && changes.description().map(current.description()::equals).orElse(true);
    }

    @Override
    public void delete(String id, OptionalLong expectedVersion) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        String condition = condition(expectedVersion, names, values);
        try {
            client.deleteItem(DeleteItemRequest.builder()
                                      .tableName(tableName)
                                      .key(key(id))
                                      .conditionExpression(condition)
                                      .expressionAttributeNames(names)
                                      .expressionAttributeValues(values.isEmpty() ? null : values)
                                      .build());
        } catch (ConditionalCheckFailedException e) {
            throw conditionFailure(id, expectedVersion);
        }
    }

    @Override
    public ProductPage findByName(String name, boolean newestFirst, Optional<PageKey> after, int limit) {
        QueryEnhancedRequest.Builder request = QueryEnhancedRequest.builder()
                .queryConditional(QueryConditional.keyEqualTo(Key.builder().partitionValue(name).build()))
                .scanIndexForward(!newestFirst)
                .limit(limit + 1);
        after.ifPresent(key -> request.exclusiveStartKey(Map.of(
                Tables.ID, AttributeValue.fromS(key.id()),
                Tables.NAME, AttributeValue.fromS(key.name()),
                Tables.UPDATED_AT, AttributeValue.fromN(ProductItem.toEpochSeconds(key.updatedAt()).toPlainString()))));
        return page(nameIndex.query(request.build()), limit);
    }

    @Override
    public ProductPage findAll(Optional<PageKey> after, int limit) {
        ScanEnhancedRequest.Builder request = ScanEnhancedRequest.builder().limit(limit + 1);
        after.ifPresent(key -> request.exclusiveStartKey(key(key.id())));
        return page(table.scan(request.build()), limit);
    }

    /**
     * Reads one item more than the page holds: that tells whether another page follows, so a
     * result that is an exact multiple of the page size never ends with an empty page.
     */
    private static ProductPage page(SdkIterable<Page<ProductItem>> pages, int limit) {
        List<Product> items = new ArrayList<>(limit + 1);
        for (Page<ProductItem> page : pages) {
            for (ProductItem item : page.items()) {
                items.add(item.toProduct());
            }
            if (items.size() > limit) {
                return new ProductPage(items.subList(0, limit), true);
            }
        }
        return new ProductPage(items, false);
    }

    private static String condition(OptionalLong expectedVersion,
                                    Map<String, String> names,
                                    Map<String, AttributeValue> values) {
        names.put("#id", Tables.ID);
        if (expectedVersion.isEmpty()) {
            return "attribute_exists(#id)";
        }
        long expected = expectedVersion.getAsLong();
        names.put("#version", Tables.VERSION);
        values.put(":expected", AttributeValue.fromN(Long.toString(expected)));
        // Items written by the FastAPI service have no version attribute and count as version 1.
        String legacy = expected == 1 ? " OR attribute_not_exists(#version)" : "";
        return "attribute_exists(#id) AND (#version = :expected" + legacy + ")";
    }

    /** A failed condition means either "gone" or "changed"; one read tells which. */
    private RuntimeException conditionFailure(String id, OptionalLong expectedVersion) {
        if (expectedVersion.isEmpty()) {
            return new ProductNotFoundException(id);
        }
        return find(id)
                .<RuntimeException>map(current -> new VersionMismatchException(id, current.version()))
                .orElseGet(() -> new ProductNotFoundException(id));
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of(Tables.ID, AttributeValue.fromS(id));
    }
}
