package org.productservice.schema;

/** DynamoDB scalar attribute types usable in keys; the constant names are DynamoDB's own codes. */
public enum AttributeType {
    /** String. */
    S,
    /** Number. */
    N,
    /** Binary. */
    B
}
