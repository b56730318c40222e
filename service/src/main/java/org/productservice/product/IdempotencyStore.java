package org.productservice.product;

import java.time.Instant;
import java.util.Optional;

/**
 * Remembers which product an Idempotency-Key created, so that a retried POST returns that
 * product instead of creating a second one. Built on single conditional writes only (no
 * transactions), so it works on every DynamoDB-compatible engine.
 */
interface IdempotencyStore {

    /**
     * Records that {@code key} creates product {@code productId} for a request with hash
     * {@code requestHash}, unless the key is already recorded and not expired.
     *
     * @param record    the record to store
     * @param now       current time; records expired before it count as absent
     * @return empty if this call recorded the key, else the record that was there
     */
    Optional<IdempotencyRecord> claim(IdempotencyRecord record, Instant now);

    /**
     * Marks a record's product as created, so that a retry after the product was deleted
     * does not create it again.
     *
     * @param key idempotency key
     */
    void complete(String key);

    /**
     * What an idempotency key stands for.
     *
     * @param key         the client's Idempotency-Key
     * @param requestHash hash of the validated request
     * @param productId   id of the product the request creates
     * @param expiresAt   end of the key's validity
     * @param completed   whether the product was created
     */
    record IdempotencyRecord(String key, String requestHash, String productId, Instant expiresAt, boolean completed) {
    }
}
