package org.productservice.product;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where products live. Every write is a single conditional DynamoDB request, so concurrent
 * writers never overwrite each other's changes unseen, and no code path needs transactions.
 */
public interface ProductRepository {

    /**
     * Stores a new product.
     *
     * @param product the product, version 1
     * @return {@code true} if the product is stored (also when a retried write finds its own
     *         first attempt), {@code false} if another product has that id (nothing was written)
     */
    boolean create(Product product);

    /**
     * Reads a product (strongly consistent: a read after an acknowledged write sees it).
     *
     * @param id product id
     * @return the product, or empty if there is none
     */
    Optional<Product> find(String id);

    /**
     * Changes the given fields, sets {@code updated_at} and increments the version, atomically.
     * The change applies once, however often its request is retried on the way to storage, and
     * a failure says that nothing was changed: when that cannot be known, the answer is
     * {@link WriteOutcomeUnknownException}, never a 404 or 412.
     *
     * @param id              product id
     * @param changes         fields to change
     * @param expectedVersion the version the client saw (If-Match), or empty for any
     * @param now             the new {@code updated_at}
     * @return the product as stored after the change
     * @throws ProductNotFoundException  if there is no such product
     * @throws VersionMismatchException  if the stored version is not the expected one
     * @throws WriteOutcomeUnknownException if the change may or may not have been applied
     */
    Product update(String id, ProductChanges changes, OptionalLong expectedVersion, Instant now);

    /**
     * Deletes a product.
     *
     * @param id              product id
     * @param expectedVersion the version the client saw (If-Match), or empty for any
     * @throws ProductNotFoundException if there is no such product
     * @throws VersionMismatchException if the stored version is not the expected one
     * @throws WriteOutcomeUnknownException if the product may or may not have been deleted by this call
     */
    void delete(String id, OptionalLong expectedVersion);

    /**
     * One page of the products with exactly this name, by {@code updated_at}; served by the
     * name index, so the cost is one page whatever the table holds.
     *
     * @param name        exact name
     * @param newestFirst order by {@code updated_at} descending if true
     * @param after       the last product of the previous page, or empty for the first page
     * @param limit       page size
     * @return the page
     */
    ProductPage findByName(String name, boolean newestFirst, Optional<PageKey> after, int limit);

    /**
     * One page of all products, in the table's (stable, unspecified) order.
     *
     * @param after the last product of the previous page, or empty for the first page
     * @param limit page size
     * @return the page
     */
    ProductPage findAll(Optional<PageKey> after, int limit);

    /**
     * Fields to change; a field not in the map stays as it is.
     *
     * @param values the new value of each field to change, only writable fields ({@link ProductField#WRITABLE})
     */
    record ProductChanges(Map<ProductField, String> values) {
        /** Checks that only writable fields change, and copies the map. */
        public ProductChanges {
            if (!ProductField.WRITABLE.containsAll(values.keySet())) {
                throw new IllegalArgumentException("only writable fields change, not " + values.keySet());
            }
            EnumMap<ProductField, String> copy = new EnumMap<>(ProductField.class);
            copy.putAll(values);
            values = Collections.unmodifiableMap(copy);
        }

        /** @return whether the change changes nothing */
        boolean isEmpty() {
            return values.isEmpty();
        }
    }

    /**
     * Where a page ended: the key attributes of its last product.
     *
     * @param id        product id
     * @param name      product name
     * @param updatedAt product's {@code updated_at}
     */
    record PageKey(String id, String name, Instant updatedAt) {
        static PageKey of(Product product) {
            return new PageKey(product.id(), product.name(), product.updatedAt());
        }
    }

    /**
     * A page of products.
     *
     * @param items   products of the page, at most the limit
     * @param hasMore whether at least one more product follows the last one
     */
    record ProductPage(List<Product> items, boolean hasMore) {
        /** Copies the list. */
        public ProductPage {
            items = List.copyOf(items);
        }
    }
}
