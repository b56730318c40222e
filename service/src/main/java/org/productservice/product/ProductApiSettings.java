package org.productservice.product;

import java.time.Duration;
import java.util.Optional;

import io.helidon.config.Config;

import static org.productservice.config.ConfigKeys.duration;
import static org.productservice.config.ConfigKeys.integer;
import static org.productservice.config.ConfigKeys.optional;

/**
 * Limits and settings of the Product API, from the {@code api} config node (environment:
 * {@code API_PAGE_LIMIT}, {@code API_PAGE_MAX}, {@code API_CURSOR_SECRET}, {@code API_CURSOR_ARN},
 * {@code API_CURSOR_PREVIOUS}, {@code API_IDEMPOTENCY_TTL}). Defaults live in {@code application.yaml}
 * only; the cursor keys have none.
 *
 * @param defaultPageSize page size when the client gives no {@code limit}
 * @param maxPageSize     largest {@code limit} accepted
 * @param cursorSecret    key of the cursors' MAC, shared by every instance; empty when it is read
 *                        from AWS Secrets Manager ({@code cursorArn})
 * @param cursorArn       the Secrets Manager secret that holds the key, instead of {@code cursorSecret}
 * @param cursorPrevious  the key before the last rotation, still accepted on incoming cursors
 * @param idempotencyTtl  how long an Idempotency-Key is remembered
 */
public record ProductApiSettings(int defaultPageSize, int maxPageSize, Optional<String> cursorSecret,
                                 Optional<String> cursorArn, Optional<String> cursorPrevious, Duration idempotencyTtl) {
    /** Shortest cursor key accepted, configured or previous (one read from Secrets Manager must be longer). */
    static final int MINIMUM_KEY_LENGTH = 16;

    /** Checks the limits and the configured keys. */
    public ProductApiSettings {
        // No built-in key: one in the public source would let anyone forge cursors.
        if (cursorSecret.isEmpty() && cursorArn.isEmpty()) {
            throw new IllegalArgumentException("api.cursor.secret is not set: set API_CURSOR_SECRET to a random value "
                                                       + "of at least " + MINIMUM_KEY_LENGTH + " characters, the same on "
                                                       + "every instance (or API_CURSOR_ARN to read it from AWS Secrets Manager)");
        }
        if (cursorSecret.map(key -> key.length() < MINIMUM_KEY_LENGTH).orElse(false)) {
            throw new IllegalArgumentException("api.cursor.secret (API_CURSOR_SECRET) must be at least "
                                                       + MINIMUM_KEY_LENGTH + " characters");
        }
        // Checked here, not when the first cursor is decoded: with API_CURSOR_ARN the current key
        // arrives after the start, and a bad previous key would then fail every page request.
        if (cursorPrevious.map(key -> key.length() < MINIMUM_KEY_LENGTH).orElse(false)) {
            throw new IllegalArgumentException("api.cursor.previous (API_CURSOR_PREVIOUS) must be at least "
                                                       + MINIMUM_KEY_LENGTH + " characters: it is the key before the "
                                                       + "last rotation, unchanged");
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
     * @return the settings
     * @throws IllegalArgumentException naming the key and its variable, when one is missing or invalid
     */
    public static ProductApiSettings create(Config api) {
        return new ProductApiSettings(integer(api.get("page.limit")),
                                      integer(api.get("page.max")),
                                      optional(api.get("cursor.secret")),
                                      optional(api.get("cursor.arn")),
                                      optional(api.get("cursor.previous")),
                                      duration(api.get("idempotency.ttl")));
    }
}
