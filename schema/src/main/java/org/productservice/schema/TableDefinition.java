package org.productservice.schema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A DynamoDB table as this project defines it.
 *
 * @param defaultName  table name used unless configuration names another
 * @param partitionKey hash key
 * @param indexes      global secondary indexes
 * @param ttlAttribute attribute holding the expiry time (epoch seconds), if items expire
 */
public record TableDefinition(String defaultName,
                              KeyAttribute partitionKey,
                              List<IndexDefinition> indexes,
                              Optional<String> ttlAttribute) {
    /** Checks the parts and that every key attribute has one type only. */
    public TableDefinition {
        Objects.requireNonNull(defaultName, "defaultName");
        Objects.requireNonNull(partitionKey, "partitionKey");
        indexes = List.copyOf(indexes);
        Objects.requireNonNull(ttlAttribute, "ttlAttribute");
        keyAttributes(partitionKey, indexes);
    }

    /**
     * Every attribute used as a key of the table or of an index, with its type, in declaration
     * order: exactly the AttributeDefinitions DynamoDB wants at table creation.
     *
     * @return attribute name to type
     */
    public Map<String, AttributeType> keyAttributes() {
        return keyAttributes(partitionKey, indexes);
    }

    /**
     * Looks up an index by name.
     *
     * @param name index name
     * @return the index
     * @throws IllegalArgumentException if there is none of that name
     */
    public IndexDefinition index(String name) {
        return indexes.stream()
                .filter(index -> index.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No index " + name + " on " + defaultName));
    }

    private static Map<String, AttributeType> keyAttributes(KeyAttribute partitionKey, List<IndexDefinition> indexes) {
        Map<String, AttributeType> attributes = new LinkedHashMap<>();
        add(attributes, partitionKey);
        for (IndexDefinition index : indexes) {
            add(attributes, index.partitionKey());
            index.sortKey().ifPresent(key -> add(attributes, key));
        }
        return attributes;
    }

    private static void add(Map<String, AttributeType> attributes, KeyAttribute key) {
        AttributeType previous = attributes.putIfAbsent(key.name(), key.type());
        if (previous != null && previous != key.type()) {
            throw new IllegalArgumentException("Attribute " + key.name() + " is declared as both "
                                                       + previous + " and " + key.type());
        }
    }
}
