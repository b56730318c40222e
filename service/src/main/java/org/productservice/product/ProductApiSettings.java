package org.productservice.product;

import java.time.Duration;
import java.util.Optional;

import io.helidon.config.Config;

/**
 * Limits and settings of the Product API, from the {@code api} config node (environment:
 * {@code API_PAGE_LIMIT}, {@code API_PAGE_MAX}, {@code API_CURSOR_SECRET}, {@code API_CURSOR_PREVIOUS},
 * {@code API_IDEMPOTENCY_TTL}).
 *
 * @param defaultPageSize page size when the client gives no {@code limit}
 * @param maxPageSize     largest {@code limit} accepted
 * @param cursorSecret    key of the cursors' MAC; shared by every instance
 * @param cursorPrevious  the key before the last rotation, still accepted on incoming cursors
 * @param idempotencyTtl  how long an Idempotency-Key is remembered
 */
public record ProductApiSettings(int defaultPageSize, int maxPageSize, String cursorSecret,
                                 Optional<String> cursorPrevious, Duration idempotencyTtl) {

    /** Checks the limits. */
    public ProductApiSettings {
        // No built-in key: one in the public source would let anyone forge cursors.
        if (cursorSecret == null || cursorSecret.isBlank()) {
            throw new IllegalArgumentException("api.cursor.secret is not set: set API_CURSOR_SECRET to a random value "
                                                       + "of at least 16 characters, the same on every instance");
        }
        if (maxPageSize < 1 || maxPageSize > 1000) {
            throw new IllegalArgumentException("api.page.max must be between 1 and 1000");
        }
        if (defaultPageSize < 1 || defaultPageSize > maxPageSize) {
            throw new IllegalArgumentException("api.page.limit must be between 1 and api.page.max");
        }
        if (idempotencyTtl.isNegative() || idempotencyTtl.isZero()) {
            throw new IllegalArgumentException("api.idempotency.ttl must be positive");
        }
    }

    /**
     * Reads the settings.
     *
     * @param api the {@code api} config node
     * @return the settings, with defaults for missing keys
     */
    public static ProductApiSettings create(Config api) {
        return new ProductApiSettings(api.get("page.limit").asInt().orElse(20),
                                      api.get("page.max").asInt().orElse(100),
                                      api.get("cursor.secret").asString().orElse(null),
                                      api.get("cursor.previous").asString().filter(previous -> !previous.isBlank()),
                                      api.get("idempotency.ttl").as(Duration.class).orElse(Duration.ofHours(24)));
    }
}
