package org.productservice.product;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import io.helidon.http.Status;

import org.productservice.dynamodb.WriteAttempts;
import org.productservice.http.ProblemException;
import org.productservice.schema.Tables;

import software.amazon.awssdk.core.exception.SdkException;
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
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
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
    /** Read-then-write rounds of a change without If-Match before it gives up on a product that keeps changing. */
    static final int UNCONDITIONAL_ROUNDS = 32;
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
        if (expectedVersion.isPresent()) {
            return updateVersion(id, changes, expectedVersion.getAsLong(), now);
        }
        // Without If-Match the change applies to whatever version is current. It is still written
        // as a change of one version, the one read just before: then a retried attempt can never
        // apply a second time, and a lost answer can always be told apart (settleUpdate). The
        // price is one read per such write. A concurrent writer that got in first is no failure:
        // the next round writes on the version the failed condition found, with no second read;
        // each round lets at least one writer through, so N writers at once need at most N rounds.
        long current = find(id).orElseThrow(() -> new ProductNotFoundException(id)).version();
        for (int round = 1; ; round++) {
            try {
                return updateVersion(id, changes, current, now);
            } catch (VersionMismatchException changedMeanwhile) {
                if (round == UNCONDITIONAL_ROUNDS) {
                    throw ProblemException.of(Status.SERVICE_UNAVAILABLE_503, "Product " + id + " changed " + round
                            + " times while this change was being written; it was not applied. Retry later.");
                }
                current = changedMeanwhile.currentVersion();
            }
        }
    }

    /** Changes the product if it is at the expected version. */
    private Product updateVersion(String id, ProductChanges changes, long expectedVersion, Instant now) {
        ProductUpdate update = new ProductUpdate(changes, expectedVersion, now);
        WriteAttempts attempts = new WriteAttempts();
        try {
            UpdateItemResponse response = client.updateItem(attempts.attachTo(update.request(tableName, key(id))));
            return toProduct(response.attributes());
        } catch (ConditionalCheckFailedException e) {
            return settleUpdate(id, update, expectedVersion, attempts, e);
        } catch (SdkException e) {
            throw unknownIfSent(id, attempts, e);
        }
    }

    /**
     * The answer to an update whose condition failed. If the change's entry is in the item, the
     * change applied (an earlier attempt's answer was lost): success, with what it wrote. If not,
     * the failure is a true 404 or 412 only when no earlier attempt can have applied, or when the
     * item proves that it did not; otherwise the outcome is unknown.
     */
    private Product settleUpdate(String id, ProductUpdate update, long expectedVersion, WriteAttempts attempts,
                                 ConditionalCheckFailedException failure) {
        boolean earlier = attempts.earlierMayHaveApplied();
        Optional<Map<String, AttributeValue>> item = current(id, failure, earlier);
        if (item.isPresent()) {
            int position = update.position(item.get());
            if (position >= 0) {
                return toProduct(update.written(item.get(), position).orElseThrow(() -> new WriteOutcomeUnknownException(
                        id, "it was applied, but later changes replaced the fields it left as they were, so the product "
                                + "as this change left it is no longer known", null)));
            }
        }
        if (!earlier) {
            throw conditionFailure(id, OptionalLong.of(expectedVersion), item);
        }
        if (item.isEmpty()) {
            throw new WriteOutcomeUnknownException(id, "the product has been deleted since, perhaps after this change", null);
        }
        long ours = expectedVersion + 1;
        long current = toProduct(item.get()).version();
        // Had the change applied, it would have made version `ours` (versions only grow), and
        // fewer than KEPT later changes cannot have pushed its entry out.
        if (current < ours || current - ours < RecentWrites.KEPT) {
            throw new VersionMismatchException(id, current);
        }
        throw new WriteOutcomeUnknownException(id, "the product has changed too often since to tell", null);
    }

    @Override
    public void delete(String id, OptionalLong expectedVersion) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        String condition = ProductUpdate.versionCondition(expectedVersion, names, values);
        WriteAttempts attempts = new WriteAttempts();
        try {
            client.deleteItem(attempts.attachTo(
                    DeleteItemRequest.builder()
                            .tableName(tableName)
                            .key(key(id))
                            .conditionExpression(condition)
                            .expressionAttributeNames(names)
                            .expressionAttributeValues(values.isEmpty() ? null : values)
                            .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                            .build()));
        } catch (ConditionalCheckFailedException e) {
            boolean earlier = attempts.earlierMayHaveApplied();
            Optional<Map<String, AttributeValue>> item = current(id, e, earlier);
            // A deleted product leaves no trace, so "gone" after an attempt that may have applied
            // cannot tell whose delete it was (a tombstone would, at the cost of every read and
            // list filtering it out). A product still there was not deleted by this call, since
            // ids are never reused: its 412 is true.
            if (earlier && item.isEmpty()) {
                throw new WriteOutcomeUnknownException(id, "the product is gone, perhaps deleted by this request", null);
            }
            if (earlier && expectedVersion.isEmpty() && item.isPresent()) {
                throw new WriteOutcomeUnknownException(id, "the product is there again although the delete found it gone", null);
            }
            throw conditionFailure(id, expectedVersion, item);
        } catch (SdkException e) {
            throw unknownIfSent(id, attempts, e);
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

    /** A failed condition means either "gone" or "changed"; the item tells which. */
    private RuntimeException conditionFailure(String id, OptionalLong expectedVersion, Optional<Map<String, AttributeValue>> item) {
        if (expectedVersion.isEmpty() || item.isEmpty()) {
            return new ProductNotFoundException(id);
        }
        return new VersionMismatchException(id, toProduct(item.get()).version());
    }

    /**
     * The item as the failed condition found it: DynamoDB returns it with the failure
     * ({@code ReturnValuesOnConditionCheckFailure}); for an engine that does not (dynalite), or
     * a missing item, one strongly consistent read, which sees that state or a later one. If the
     * read fails, the write's own attempts decide: unknown if an earlier one may have applied,
     * else the storage failure as it is (nothing was written).
     */
    private Optional<Map<String, AttributeValue>> current(String id, ConditionalCheckFailedException failure,
                                                          boolean earlierMayHaveApplied) {
        if (failure.hasItem() && !failure.item().isEmpty()) {
            return Optional.of(failure.item());
        }
        try {
            GetItemResponse response = client.getItem(GetItemRequest.builder()
                                                              .tableName(tableName)
                                                              .key(key(id))
                                                              .consistentRead(true)
                                                              .build());
            return response.hasItem() && !response.item().isEmpty() ? Optional.of(response.item()) : Optional.empty();
        } catch (SdkException e) {
            if (earlierMayHaveApplied) {
                throw new WriteOutcomeUnknownException(id, "the product could not be read to find out", e);
            }
            throw e;
        }
    }

    /** A write's storage failure: its outcome is unknown once one of its attempts may have applied. */
    private static RuntimeException unknownIfSent(String id, WriteAttempts attempts, SdkException e) {
        if (attempts.anyMayHaveApplied()) {
            return new WriteOutcomeUnknownException(id, "the answer from DynamoDB was lost", e);
        }
        return e;
    }

    private Product toProduct(Map<String, AttributeValue> item) {
        return table.tableSchema().mapToItem(item).toProduct();
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of(Tables.ID, AttributeValue.fromS(id));
    }
}
