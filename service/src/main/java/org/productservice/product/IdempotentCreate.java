package org.productservice.product;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

import io.helidon.http.Status;

import org.productservice.http.ProblemException;
import org.productservice.product.IdempotencyStore.IdempotencyRecord;
import org.productservice.product.ProductJson.ProductInput;

/**
 * Creating a product, at most once per Idempotency-Key. The key is claimed first, with the id
 * the product will have; the product is then stored under that id with a conditional write.
 * Whatever step a failed attempt reached, its retry finds the claim and finishes the same
 * product, and a key reused with another body is refused.
 */
final class IdempotentCreate {
    private static final Status UNPROCESSABLE_CONTENT = Status.create(422, "Unprocessable Content");

    private final ProductRepository repository;
    private final IdempotencyStore idempotency;
    private final Duration ttl;

    /**
     * A stored product, and whether an earlier request with the same key stored it.
     *
     * @param product  the product
     * @param replayed true if this request only repeats an earlier one
     */
    record Created(Product product, boolean replayed) {
    }

    /**
     * Creates the algorithm.
     *
     * @param repository  product storage
     * @param idempotency idempotency-key storage
     * @param ttl         how long a key is remembered
     */
    IdempotentCreate(ProductRepository repository, IdempotencyStore idempotency, Duration ttl) {
        this.repository = repository;
        this.idempotency = idempotency;
        this.ttl = ttl;
    }

    /**
     * Stores a new product, once per key.
     *
     * @param key   the caller's scoped key ({@link #scopedKey}), or empty for a plain create
     * @param input the validated body
     * @param now   creation time
     * @return the product this key stands for
     * @throws ProblemException 422 if the key was used with another body, 409 if its product is gone
     */
    Created create(Optional<String> key, ProductInput input, Instant now) {
        if (key.isEmpty()) {
            Product product = newProduct(UUID.randomUUID().toString(), input, now);
            // A random UUID that is already taken is all but impossible; if it happens, draw another.
            while (!repository.create(product)) {
                product = newProduct(UUID.randomUUID().toString(), input, now);
            }
            return new Created(product, false);
        }
        IdempotencyRecord claim = new IdempotencyRecord(key.get(), requestHash(input), UUID.randomUUID().toString(),
                                                        now.plus(ttl), false);
        Optional<IdempotencyRecord> existing = idempotency.claim(claim, now);
        if (existing.isEmpty()) {
            Product product = newProduct(claim.productId(), input, now);
            // False only if a concurrent retry of this key stored the product first: answer with that one.
            Product stored = repository.create(product) ? product : repository.find(product.id()).orElse(product);
            idempotency.complete(claim.key());
            return new Created(stored, false);
        }
        IdempotencyRecord previous = existing.get();
        if (!previous.requestHash().equals(claim.requestHash()) && !previous.requestHash().equals(earlierHash(input))) {
            throw ProblemException.of(UNPROCESSABLE_CONTENT,
                                      "This Idempotency-Key was already used with a different request body. "
                                              + "Use a new key for a new product.");
        }
        Optional<Product> stored = repository.find(previous.productId());
        if (stored.isEmpty()) {
            if (previous.completed()) {
                throw ProblemException.of(Status.CONFLICT_409,
                                          "The product created with this Idempotency-Key (" + previous.productId()
                                                  + ") has since been deleted.");
            }
            // The first attempt recorded the key but did not get to store the product (or is
            // storing it right now): store it under the recorded id; the conditional write
            // lets exactly one attempt create it.
            Product product = newProduct(previous.productId(), input, now);
            stored = repository.create(product) ? Optional.of(product) : repository.find(previous.productId());
            idempotency.complete(previous.key());
        } else if (!previous.completed()) {
            // The first attempt stored the product but failed before marking the key.
            idempotency.complete(previous.key());
        }
        return new Created(stored.orElseThrow(() -> ProblemException.of(
                Status.CONFLICT_409, "The product created with this Idempotency-Key has since been deleted.")), true);
    }

    /**
     * The stored key: the client's key under a hash of the principal, so that two callers using
     * the same key get two products and never see each other's. The hash keeps the key short
     * and keeps subjects (possibly e-mail addresses) out of the table.
     *
     * @param principal the caller's name
     * @param clientKey the Idempotency-Key header
     * @return the key as stored
     */
    static String scopedKey(String principal, String clientKey) {
        return sha256(principal.getBytes(StandardCharsets.UTF_8)).substring(0, 32) + "/" + clientKey;
    }

    private static Product newProduct(String id, ProductInput input, Instant now) {
        return new Product(id, input.get(ProductField.NAME), input.get(ProductField.DESCRIPTION), now, now, 1);
    }

    /**
     * Over the canonical JSON of the validated input, so over every field a client writes; and
     * over its normalised values: a retry in another normal form or field order is the same request.
     */
    private static String requestHash(ProductInput input) {
        return sha256(ProductJson.canonical(input));
    }

    /**
     * The hash as records written before {@link #requestHash} stored it (name, a zero byte,
     * description): a client retrying across the deployment that changed it is still recognised.
     * Such records expire after {@code api.idempotency.ttl}; the format never changes again, since
     * the canonical JSON covers every field.
     */
    private static String earlierHash(ProductInput input) {
        byte[] name = input.get(ProductField.NAME).getBytes(StandardCharsets.UTF_8);
        byte[] description = input.get(ProductField.DESCRIPTION).getBytes(StandardCharsets.UTF_8);
        byte[] joined = new byte[name.length + 1 + description.length];
        System.arraycopy(name, 0, joined, 0, name.length);
        System.arraycopy(description, 0, joined, name.length + 1, description.length);
        return sha256(joined);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
