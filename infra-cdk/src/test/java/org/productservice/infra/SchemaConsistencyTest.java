package org.productservice.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.productservice.schema.AttributeType;
import org.productservice.schema.IndexDefinition;
import org.productservice.schema.KeyAttribute;
import org.productservice.schema.TableDefinition;
import org.productservice.schema.Tables;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guard against the drift the original project suffered (its Terraform and its code disagreed
 * on the index's range key and on the type of {@code name}): reads every table back out of the
 * synthesized CloudFormation and compares it, key by key, type by type, index by index, with the
 * schema the service creates and queries its tables from.
 */
class SchemaConsistencyTest {
    private static final Map<String, Object> RESOURCES = resources(Synth.of(Synth.PRODUCTION).template().toJSON());

    @Test
    void everyTableOfTheServiceIsSynthesizedExactlyAsTheSchemaDefinesIt() {
        Map<TableDefinition, String> logicalIds = Map.of(
                Tables.PRODUCTS, ProductServiceStack.PRODUCT_TABLE_ID,
                Tables.IDEMPOTENCY, ProductServiceStack.IDEMPOTENCY_TABLE_ID);
        assertThat(logicalIds).containsOnlyKeys(Tables.ALL.toArray(TableDefinition[]::new));
        for (TableDefinition table : Tables.ALL) {
            assertThat(differences(table, tableProperties(logicalIds.get(table))))
                    .as("%s (%s) vs. the schema", logicalIds.get(table), table.defaultName())
                    .isEmpty();
        }
    }

    @Test
    void theStackHasNoTableTheServiceDoesNotUse() {
        long tables = RESOURCES.values().stream()
                .filter(resource -> "AWS::DynamoDB::Table".equals(((Map<?, ?>) resource).get("Type")))
                .count();
        assertThat(tables).isEqualTo(Tables.ALL.size());
    }

    @Test
    void theComparisonCatchesTheDriftsThatHappenedBefore() {
        Map<String, Object> products = tableProperties(ProductServiceStack.PRODUCT_TABLE_ID);
        // The original's two disagreements, and a lost projection and TTL for good measure.
        TableDefinition rangeKeyOfAnotherType = productsWith(new IndexDefinition(
                "product-name-index", new KeyAttribute("name", AttributeType.S),
                Optional.of(new KeyAttribute("updated_at", AttributeType.S))));
        TableDefinition otherRangeKey = productsWith(new IndexDefinition(
                "product-name-index", new KeyAttribute("name", AttributeType.S),
                Optional.of(new KeyAttribute("created_at", AttributeType.N))));
        TableDefinition nameAsNumber = productsWith(new IndexDefinition(
                "product-name-index", new KeyAttribute("name", AttributeType.N),
                Optional.of(new KeyAttribute("updated_at", AttributeType.N))));
        TableDefinition noIndex = new TableDefinition("product-table", Tables.PRODUCTS.partitionKey(), List.of(), Optional.empty());
        TableDefinition withTtl = new TableDefinition("product-table", Tables.PRODUCTS.partitionKey(),
                                                      Tables.PRODUCTS.indexes(), Optional.of("expires_at"));

        assertThat(differences(rangeKeyOfAnotherType, products)).anyMatch(d -> d.contains("updated_at"));
        assertThat(differences(otherRangeKey, products)).anyMatch(d -> d.contains("created_at"));
        assertThat(differences(nameAsNumber, products)).anyMatch(d -> d.contains("name"));
        assertThat(differences(noIndex, products)).anyMatch(d -> d.contains("product-name-index"));
        assertThat(differences(withTtl, products)).anyMatch(d -> d.contains("TTL"));

        Map<String, Object> allProjectionLost = new LinkedHashMap<>(products);
        List<Object> indexes = new ArrayList<>();
        for (Object index : (List<?>) products.get("GlobalSecondaryIndexes")) {
            Map<String, Object> copy = new LinkedHashMap<>(cast(index));
            copy.put("Projection", Map.of("ProjectionType", "KEYS_ONLY"));
            indexes.add(copy);
        }
        allProjectionLost.put("GlobalSecondaryIndexes", indexes);
        assertThat(differences(Tables.PRODUCTS, allProjectionLost)).anyMatch(d -> d.contains("projection"));
    }

    private static TableDefinition productsWith(IndexDefinition index) {
        return new TableDefinition(Tables.PRODUCTS.defaultName(), Tables.PRODUCTS.partitionKey(), List.of(index),
                                   Tables.PRODUCTS.ttlAttribute());
    }

    /** Every way in which a synthesized table differs from its schema definition, in words. */
    private static List<String> differences(TableDefinition schema, Map<String, Object> table) {
        List<String> differences = new ArrayList<>();
        compare(differences, "key schema", keySchema(schema.partitionKey(), Optional.empty()), table.get("KeySchema"));

        Map<String, String> schemaTypes = new LinkedHashMap<>();
        schema.keyAttributes().forEach((name, type) -> schemaTypes.put(name, type.name()));
        Map<String, String> tableTypes = new LinkedHashMap<>();
        for (Object definition : (List<?>) table.get("AttributeDefinitions")) {
            Map<String, Object> attribute = cast(definition);
            tableTypes.put((String) attribute.get("AttributeName"), (String) attribute.get("AttributeType"));
        }
        compare(differences, "attribute types", schemaTypes, tableTypes);

        Map<String, Map<String, Object>> tableIndexes = new LinkedHashMap<>();
        Object synthesizedIndexes = table.get("GlobalSecondaryIndexes");
        if (synthesizedIndexes != null) {
            for (Object index : (List<?>) synthesizedIndexes) {
                Map<String, Object> gsi = cast(index);
                tableIndexes.put((String) gsi.get("IndexName"), gsi);
            }
        }
        compare(differences, "index names",
                schema.indexes().stream().map(IndexDefinition::name).sorted().toList(),
                tableIndexes.keySet().stream().sorted().toList());
        for (IndexDefinition index : schema.indexes()) {
            Map<String, Object> gsi = tableIndexes.get(index.name());
            if (gsi != null) {
                compare(differences, index.name() + " key schema",
                        keySchema(index.partitionKey(), index.sortKey()), gsi.get("KeySchema"));
                compare(differences, index.name() + " projection",
                        IndexDefinition.PROJECTION, cast(gsi.get("Projection")).get("ProjectionType"));
            }
        }

        Object ttl = table.get("TimeToLiveSpecification");
        Optional<String> tableTtl = ttl == null ? Optional.empty()
                : Optional.of((String) cast(ttl).get("AttributeName")).filter(name -> Boolean.TRUE.equals(cast(ttl).get("Enabled")));
        compare(differences, "TTL attribute", schema.ttlAttribute(), tableTtl);
        return differences;
    }

    private static List<Map<String, String>> keySchema(KeyAttribute hash, Optional<KeyAttribute> range) {
        List<Map<String, String>> keys = new ArrayList<>();
        keys.add(Map.of("AttributeName", hash.name(), "KeyType", "HASH"));
        range.ifPresent(key -> keys.add(Map.of("AttributeName", key.name(), "KeyType", "RANGE")));
        return keys;
    }

    private static void compare(List<String> differences, String what, Object schema, Object synthesized) {
        if (!Objects.equals(schema, synthesized)) {
            differences.add(what + ": schema " + schema + ", template " + synthesized);
        }
    }

    private static Map<String, Object> tableProperties(String logicalId) {
        Map<String, Object> resource = cast(RESOURCES.get(logicalId));
        assertThat(resource).as(logicalId).isNotNull().containsEntry("Type", "AWS::DynamoDB::Table");
        return cast(resource.get("Properties"));
    }

    private static Map<String, Object> resources(Map<String, Object> template) {
        return cast(template.get("Resources"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object value) {
        return (Map<String, Object>) value;
    }
}
