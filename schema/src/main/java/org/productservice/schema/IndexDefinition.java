package org.productservice.schema;

import java.util.Objects;
import java.util.Optional;

/**
 * A global secondary index. Every index here projects ALL attributes, so a query on it returns
 * whole items without a second read from the table.
 *
 * @param name         index name
 * @param partitionKey hash key
 * @param sortKey      range key, if any
 */
public record IndexDefinition(String name, KeyAttribute partitionKey, Optional<KeyAttribute> sortKey) {
    /** Projection of every index in this schema. */
    public static final String PROJECTION = "ALL";

    /** Checks the parts. */
    public IndexDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(partitionKey, "partitionKey");
        Objects.requireNonNull(sortKey, "sortKey");
    }
}
