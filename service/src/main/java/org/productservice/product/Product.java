package org.productservice.product;

import java.time.Instant;
import java.util.Objects;

/**
 * A product as the API shows it.
 *
 * @param id          server-generated UUID
 * @param name        product name, trimmed, 1-200 characters
 * @param description free text, at most 2,000 characters
 * @param createdAt   creation time, millisecond precision
 * @param updatedAt   time of the last change, millisecond precision
 * @param version     starts at 1, incremented by every change; the ETag is derived from it
 */
public record Product(String id, String name, String description, Instant createdAt, Instant updatedAt, long version) {
    /** Checks that no part is missing. */
    public Product {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /**
     * The strong entity tag of this version of the product.
     *
     * @return quoted tag, e.g. {@code "3"}
     */
    public String etag() {
        return "\"" + version + "\"";
    }
}
