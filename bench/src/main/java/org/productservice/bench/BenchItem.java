package org.productservice.bench;

import java.math.BigDecimal;

import org.productservice.schema.Tables;

import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbPartitionKey;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;

/**
 * A product item for the schema-style comparison: the same attributes mapped two ways, by bean
 * reflection ({@link TableSchema#fromBean}) and by a static schema (the service's style). Public
 * with a public constructor and accessors because the bean mapper requires it.
 */
@DynamoDbBean
public class BenchItem {
    private String id;
    private String name;
    private String description;
    private BigDecimal createdAt;
    private BigDecimal updatedAt;
    private Long version;

    /** Required by the bean mapper. */
    public BenchItem() {
    }

    /** The schema the enhanced client derives from the annotations, by reflection. */
    static TableSchema<BenchItem> beanSchema() {
        return TableSchema.fromBean(BenchItem.class);
    }

    /** The same mapping spelled out, without reflection (the service's style). */
    static TableSchema<BenchItem> staticSchema() {
        return StaticTableSchema.builder(BenchItem.class)
                .newItemSupplier(BenchItem::new)
                .addAttribute(String.class, a -> a.name(Tables.ID).getter(BenchItem::getId).setter(BenchItem::setId)
                        .tags(primaryPartitionKey()))
                .addAttribute(String.class, a -> a.name(Tables.NAME).getter(BenchItem::getName).setter(BenchItem::setName))
                .addAttribute(String.class, a -> a.name(Tables.DESCRIPTION)
                        .getter(BenchItem::getDescription).setter(BenchItem::setDescription))
                .addAttribute(BigDecimal.class, a -> a.name(Tables.CREATED_AT)
                        .getter(BenchItem::getCreatedAt).setter(BenchItem::setCreatedAt))
                .addAttribute(BigDecimal.class, a -> a.name(Tables.UPDATED_AT)
                        .getter(BenchItem::getUpdatedAt).setter(BenchItem::setUpdatedAt))
                .addAttribute(Long.class, a -> a.name(Tables.VERSION).getter(BenchItem::getVersion).setter(BenchItem::setVersion))
                .build();
    }

    @DynamoDbPartitionKey
    @DynamoDbAttribute(Tables.ID)
    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    @DynamoDbAttribute(Tables.NAME)
    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    @DynamoDbAttribute(Tables.DESCRIPTION)
    public String getDescription() {
        return description;
    }

    public void setDescription(String description) {
        this.description = description;
    }

    @DynamoDbAttribute(Tables.CREATED_AT)
    public BigDecimal getCreatedAt() {
        return createdAt;
    }

    public void setCreatedAt(BigDecimal createdAt) {
        this.createdAt = createdAt;
    }

    @DynamoDbAttribute(Tables.UPDATED_AT)
    public BigDecimal getUpdatedAt() {
        return updatedAt;
    }

    public void setUpdatedAt(BigDecimal updatedAt) {
        this.updatedAt = updatedAt;
    }

    @DynamoDbAttribute(Tables.VERSION)
    public Long getVersion() {
        return version;
    }

    public void setVersion(Long version) {
        this.version = version;
    }
}
