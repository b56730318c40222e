package org.productservice.schema;

import java.util.Objects;

/**
 * A key attribute of a table or index.
 *
 * @param name attribute name as stored in DynamoDB
 * @param type attribute type
 */
public record KeyAttribute(String name, AttributeType type) {
    /** Checks the parts. */
    public KeyAttribute {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }
}
