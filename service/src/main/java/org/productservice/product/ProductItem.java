package org.productservice.product;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

import org.productservice.schema.Tables;

import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTag;
import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondarySortKey;

/**
 * The DynamoDB item of a product: one attribute per {@link ProductField}, under its stored name.
 * A mutable class because the enhanced client's mappers need one (records are not supported);
 * it never leaves this package, {@link Product} does. Timestamps are stored as epoch seconds with
 * three decimals, the FastAPI service's format, so that existing items and the name index's sort
 * order stay valid.
 */
final class ProductItem {
    private final Map<ProductField, Object> values = new EnumMap<>(ProductField.class);

    /**
     * Builds the schema. Reflection-free and built once per repository (they are expensive),
     * never per request; the index name is configurable, hence not a constant.
     *
     * @param nameIndex configured name of the name index
     * @return the table schema
     */
    static TableSchema<ProductItem> schema(String nameIndex) {
        StaticTableSchema.Builder<ProductItem> schema = StaticTableSchema.builder(ProductItem.class)
                .newItemSupplier(ProductItem::new);
        for (ProductField field : ProductField.values()) {
            StaticAttributeTag[] tags = keyTags(field, nameIndex);
            switch (field.type()) {
                case TEXT -> schema.addAttribute(String.class, a -> a.name(field.attribute())
                        .getter(item -> (String) item.values.get(field)).setter((item, value) -> item.values.put(field, value))
                        .tags(tags));
                case TIMESTAMP -> schema.addAttribute(BigDecimal.class, a -> a.name(field.attribute())
                        .getter(item -> (BigDecimal) item.values.get(field)).setter((item, value) -> item.values.put(field, value))
                        .tags(tags));
                case COUNT -> schema.addAttribute(Long.class, a -> a.name(field.attribute())
                        .getter(item -> (Long) item.values.get(field)).setter((item, value) -> item.values.put(field, value))
                        .tags(tags));
            }
        }
        return schema.build();
    }

    /** The table's key and the name index's keys, as the schema module defines them. */
    private static StaticAttributeTag[] keyTags(ProductField field, String nameIndex) {
        String attribute = field.attribute();
        if (attribute.equals(Tables.PRODUCTS.partitionKey().name())) {
            return new StaticAttributeTag[] {primaryPartitionKey()};
        }
        if (attribute.equals(Tables.PRODUCT_NAME_INDEX.partitionKey().name())) {
            return new StaticAttributeTag[] {secondaryPartitionKey(nameIndex)};
        }
        if (Tables.PRODUCT_NAME_INDEX.sortKey().map(key -> key.name().equals(attribute)).orElse(false)) {
            return new StaticAttributeTag[] {secondarySortKey(nameIndex)};
        }
        return new StaticAttributeTag[0];
    }

    static ProductItem from(Product product) {
        ProductItem item = new ProductItem();
        for (ProductField field : ProductField.values()) {
            Object value = field.valueOf(product);
            item.values.put(field, value instanceof Instant instant ? toEpochSeconds(instant) : value);
        }
        return item;
    }

    Product toProduct() {
        // Items written by the FastAPI service have no version: they count as version 1.
        Long version = (Long) values.get(ProductField.VERSION);
        return new Product(text(ProductField.ID), text(ProductField.NAME), text(ProductField.DESCRIPTION),
                           instant(ProductField.CREATED_AT), instant(ProductField.UPDATED_AT), version == null ? 1 : version);
    }

    static BigDecimal toEpochSeconds(Instant instant) {
        return BigDecimal.valueOf(instant.toEpochMilli(), 3);
    }

    static Instant toInstant(BigDecimal epochSeconds) {
        return Instant.ofEpochMilli(epochSeconds.movePointRight(3).longValue());
    }

    private String text(ProductField field) {
        return (String) values.get(field);
    }

    private Instant instant(ProductField field) {
        return toInstant((BigDecimal) values.get(field));
    }
}
