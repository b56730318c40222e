package org.productservice.product;

import java.math.BigDecimal;
import java.time.Instant;

import org.productservice.schema.Tables;

import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondarySortKey;

/**
 * The DynamoDB item of a product. A mutable class because the enhanced client's mappers need
 * one (records are not supported); it never leaves this package, {@link Product} does.
 * Timestamps are stored as epoch seconds with three decimals, the FastAPI service's format,
 * so that existing items and the name index's sort order stay valid.
 */
final class ProductItem {
    private String id;
    private String name;
    private String description;
    private BigDecimal createdAt;
    private BigDecimal updatedAt;
    private Long version;

    /**
     * Builds the schema. Reflection-free and built once per repository (they are expensive),
     * never per request; the index name is configurable, hence not a constant.
     *
     * @param nameIndex configured name of the name index
     * @return the table schema
     */
    static TableSchema<ProductItem> schema(String nameIndex) {
        return StaticTableSchema.builder(ProductItem.class)
                .newItemSupplier(ProductItem::new)
                .addAttribute(String.class, a -> a.name(Tables.ID)
                        .getter(ProductItem::id).setter(ProductItem::id)
                        .tags(primaryPartitionKey()))
                .addAttribute(String.class, a -> a.name(Tables.NAME)
                        .getter(ProductItem::name).setter(ProductItem::name)
                        .tags(secondaryPartitionKey(nameIndex)))
                .addAttribute(String.class, a -> a.name(Tables.DESCRIPTION)
                        .getter(ProductItem::description).setter(ProductItem::description))
                .addAttribute(BigDecimal.class, a -> a.name(Tables.CREATED_AT)
                        .getter(ProductItem::createdAt).setter(ProductItem::createdAt))
                .addAttribute(BigDecimal.class, a -> a.name(Tables.UPDATED_AT)
                        .getter(ProductItem::updatedAt).setter(ProductItem::updatedAt)
                        .tags(secondarySortKey(nameIndex)))
                .addAttribute(Long.class, a -> a.name(Tables.VERSION)
                        .getter(ProductItem::version).setter(ProductItem::version))
                .build();
    }

    static ProductItem from(Product product) {
        ProductItem item = new ProductItem();
        item.id = product.id();
        item.name = product.name();
        item.description = product.description();
        item.createdAt = toEpochSeconds(product.createdAt());
        item.updatedAt = toEpochSeconds(product.updatedAt());
        item.version = product.version();
        return item;
    }

    Product toProduct() {
        // Items written by the FastAPI service have no version: they count as version 1.
        long itemVersion = version == null ? 1 : version;
        return new Product(id, name, description, toInstant(createdAt), toInstant(updatedAt), itemVersion);
    }

    static BigDecimal toEpochSeconds(Instant instant) {
        return BigDecimal.valueOf(instant.toEpochMilli(), 3);
    }

    static Instant toInstant(BigDecimal epochSeconds) {
        return Instant.ofEpochMilli(epochSeconds.movePointRight(3).longValue());
    }

    private String id() {
        return id;
    }

    private void id(String id) {
        this.id = id;
    }

    private String name() {
        return name;
    }

    private void name(String name) {
        this.name = name;
    }

    private String description() {
        return description;
    }

    private void description(String description) {
        this.description = description;
    }

    private BigDecimal createdAt() {
        return createdAt;
    }

    private void createdAt(BigDecimal createdAt) {
        this.createdAt = createdAt;
    }

    private BigDecimal updatedAt() {
        return updatedAt;
    }

    private void updatedAt(BigDecimal updatedAt) {
        this.updatedAt = updatedAt;
    }

    private Long version() {
        return version;
    }

    private void version(Long version) {
        this.version = version;
    }
}
