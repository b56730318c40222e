package org.productservice.product;

import java.time.Duration;

import io.helidon.config.Config;

/**
 * Limits and settings of the Product API, from the {@code api} config node (environment:
 * {@code API_PAGE_LIMIT}, {@code API_PAGE_MAX}, {@code API_CURSOR_SECRET}, {@code API_IDEMPOTENCY_TTL}).
 *
 * @param defaultPageSize page size when the client gives no {@code limit}
 * @param maxPageSize     largest {@code limit} accepted
 * @param cursorSecret    key of the cursors' MAC; shared by every instance
 * @param idempotencyTtl  how long an Idempotency-Key is remembered
 */
public record ProductApiSettings(int defaultPageSize, int maxPageSize, String cursorSecret, Duration idempotencyTtl) {
    // Cursors only carry positions in lists anyone may read, so a known default key cannot leak
    // data; set api.cursor.secret in production so that cursors cannot be forged either.
    private static final String DEFAULT_CURSOR_SECRET = "product-service-default-cursor-key";

    /** Checks the limits. */
    public ProductApiSettings {
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
                                      api.get("cursor.secret").asString().orElse(DEFAULT_CURSOR_SECRET),
                                      api.get("idempotency.ttl").as(Duration.class).orElse(Duration.ofHours(24)));
    }
}
