package org.productservice.schema;

import java.util.List;
import java.util.Optional;

/**
 * The tables of product-service. The service creates them locally and maps items with these
 * names; the CDK app synthesizes them for AWS. Change a key here and both follow.
 */
public final class Tables {
    /** Product id, a UUID string. */
    public static final String ID = "id";
    /** Product name; partition key of the name index. */
    public static final String NAME = "name";
    /** Product description. */
    public static final String DESCRIPTION = "description";
    /** Creation time, epoch seconds with millisecond precision. */
    public static final String CREATED_AT = "created_at";
    /** Last change, epoch seconds with millisecond precision; sort key of the name index. */
    public static final String UPDATED_AT = "updated_at";
    /** Optimistic-concurrency version, incremented by every write. */
    public static final String VERSION = "version";
    /**
     * Prefix of the attributes that keep the write tokens of a product's last changes, newest
     * first: {@code write_0} holds the token of the change that made the current version,
     * {@code write_1} the one before, and so on. Never part of the API's JSON.
     */
    public static final String RECENT_WRITE_PREFIX = "write_";
    /** How many of a product's last changes keep their write token. */
    public static final int RECENT_WRITES = 4;

    /** Index that serves "products with this name, newest first". */
    public static final IndexDefinition PRODUCT_NAME_INDEX = new IndexDefinition(
            "product-name-index",
            new KeyAttribute(NAME, AttributeType.S),
            Optional.of(new KeyAttribute(UPDATED_AT, AttributeType.N)));

    /** The product table; name and key as in the FastAPI service this one replaces. */
    public static final TableDefinition PRODUCTS = new TableDefinition(
            "product-table",
            new KeyAttribute(ID, AttributeType.S),
            List.of(PRODUCT_NAME_INDEX),
            Optional.empty());

    /** Idempotency-Key of a create request. */
    public static final String IDEMPOTENCY_KEY = "idempotency_key";
    /** Expiry of an idempotency record, epoch seconds (the table's TTL attribute). */
    public static final String EXPIRES_AT = "expires_at";

    /**
     * Idempotency records of POST /products: which product a key created, and a hash of the
     * request, so that a retry returns the same product and a reused key with another body is
     * refused. Items expire through DynamoDB TTL; the service also ignores expired ones itself,
     * since TTL deletion is lazy (and the local engine has no TTL at all).
     */
    public static final TableDefinition IDEMPOTENCY = new TableDefinition(
            "product-idempotency",
            new KeyAttribute(IDEMPOTENCY_KEY, AttributeType.S),
            List.of(),
            Optional.of(EXPIRES_AT));

    /** Every table the service needs. */
    public static final List<TableDefinition> ALL = List.of(PRODUCTS, IDEMPOTENCY);

    private Tables() {
    }
}
