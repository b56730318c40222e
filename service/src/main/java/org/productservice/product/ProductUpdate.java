package org.productservice.product;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.productservice.product.ProductRepository.ProductChanges;
import org.productservice.schema.Tables;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * One change of a product as a single conditional UpdateItem: it sets the changed fields and
 * {@code updated_at}, increments the version and records its write entry ({@link RecentWrites}).
 * What it writes is kept as attributes, so that the product as the change left it can be told
 * from any later state of the item, whatever fields a product has.
 */
final class ProductUpdate {
    private static final AttributeValue ONE = AttributeValue.fromN("1");

    private final ProductChanges changes;
    private final long expectedVersion;
    /** The attributes the change sets, with their values: the changed fields and updated_at. */
    private final Map<String, AttributeValue> assigned = new HashMap<>();
    private final String writeEntry;

    /**
     * Prepares the change.
     *
     * @param changes         the fields to set
     * @param expectedVersion the version the change applies to
     * @param now             the new {@code updated_at}
     */
    ProductUpdate(ProductChanges changes, long expectedVersion, Instant now) {
        this.changes = changes;
        this.expectedVersion = expectedVersion;
        changes.values().forEach((field, value) -> assigned.put(field.attribute(), AttributeValue.fromS(value)));
        assigned.put(Tables.UPDATED_AT, AttributeValue.fromN(ProductItem.toEpochSeconds(now).toPlainString()));
        this.writeEntry = RecentWrites.newEntry(changes);
    }

    /**
     * The request, conditional on the item existing at the expected version.
     *
     * @param tableName product table
     * @param key       the item's key
     * @return the request, answering with the item after the change, or before it if the condition fails
     */
    UpdateItemRequest request(String tableName, Map<String, AttributeValue> key) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        StringBuilder set = new StringBuilder("SET #version = if_not_exists(#version, :one) + :one");
        names.put("#version", Tables.VERSION);
        values.put(":one", ONE);
        int i = 0;
        for (Map.Entry<String, AttributeValue> assignment : assigned.entrySet()) {
            set.append(", #a").append(i).append(" = :a").append(i);
            names.put("#a" + i, assignment.getKey());
            values.put(":a" + i, assignment.getValue());
            i++;
        }
        RecentWrites.add(set, names, values, writeEntry);
        String condition = versionCondition(OptionalLong.of(expectedVersion), names, values);
        return UpdateItemRequest.builder()
                .tableName(tableName)
                .key(key)
                .updateExpression(set.toString())
                .conditionExpression(condition)
                .expressionAttributeNames(names)
                .expressionAttributeValues(values)
                .returnValues(ReturnValue.ALL_NEW)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    /**
     * Where this change's entry is among an item's recent writes.
     *
     * @param item the item's attributes
     * @return 0 if this change made the current version, 1 for the one before...; -1 if absent
     */
    int position(Map<String, AttributeValue> item) {
        return RecentWrites.position(item, writeEntry);
    }

    /**
     * The item as this change left it, given the item now and the position of the change's entry:
     * what the change wrote over the item's other attributes. Those are the change's own only
     * if no later change set them.
     *
     * @param item     the item's attributes now
     * @param position a position found by {@link #position}
     * @return the item as written, or empty if later changes replaced fields this one left as they were
     */
    Optional<Map<String, AttributeValue>> written(Map<String, AttributeValue> item, int position) {
        if (position == 0) {
            return Optional.of(item);
        }
        for (ProductField field : ProductField.WRITABLE) {
            if (!changes.values().containsKey(field) && RecentWrites.changedSince(item, position, field)) {
                return Optional.empty();
            }
        }
        Map<String, AttributeValue> written = new HashMap<>(item);
        written.putAll(assigned);
        written.put(Tables.VERSION, AttributeValue.fromN(Long.toString(expectedVersion + 1)));
        return Optional.of(written);
    }

    /**
     * The condition of a write on a product's version: the item exists and, if a version is
     * expected, is at that version.
     *
     * @param expectedVersion the version required, or empty for any
     * @param names           the request's attribute names, to which the condition's are added
     * @param values          the request's attribute values, to which the condition's are added
     * @return the condition expression
     */
    static String versionCondition(OptionalLong expectedVersion, Map<String, String> names, Map<String, AttributeValue> values) {
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
}
