package org.productservice.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;

import org.productservice.schema.Tables;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The benchmark's products: deterministic ids, names spread over a pool, and the version each
 * product is known to have (PUT needs it for If-Match). Products are written straight into the
 * table with BatchWriteItem, in the stored format of the service (epoch seconds with three
 * decimals, version 1), so loading does not depend on, or load, the service.
 */
final class Dataset {
    /** The name queried by the scale test; no other product has it. */
    static final String SCALE_TARGET = "bench-scale-target";
    /** Products with {@link #SCALE_TARGET}: more than 50 pages of 20, so page 50 exists. */
    static final int SCALE_TARGET_SIZE = 1_050;

    private static final int BATCH = 25;
    private static final int MAX_BATCH_ATTEMPTS = 10;
    private static final String DESCRIPTION = "A product written by the benchmark; about as long as a real description.";

    private final String table;
    private final List<String> names;
    private final String[] ids;
    private final AtomicLongArray versions;
    private final long baseMillis = System.currentTimeMillis();
    private volatile int available;

    /**
     * The main data set (not yet written).
     *
     * @param table    product table
     * @param products number of products GET, PUT and query work on
     * @param names    number of distinct names they are spread over
     */
    Dataset(String table, int products, int names) {
        this.table = table;
        List<String> pool = new ArrayList<>(names);
        for (int i = 0; i < names; i++) {
            pool.add("bench-name-%04d".formatted(i));
        }
        this.names = List.copyOf(pool);
        this.ids = new String[products];
        for (int i = 0; i < products; i++) {
            ids[i] = id("product", i);
        }
        this.versions = new AtomicLongArray(products);
        for (int i = 0; i < products; i++) {
            versions.set(i, 1);
        }
    }

    /** Products of the main data set that are in the table: GET and PUT pick among these. */
    int size() {
        return available;
    }

    /**
     * Declares the first {@code count} main products written.
     *
     * @param count products in the table
     */
    void available(int count) {
        available = Math.min(count, ids.length);
    }

    String id(int index) {
        return ids[index];
    }

    String name(int index) {
        return names.get(index % names.size());
    }

    List<String> names() {
        return names;
    }

    long version(int index) {
        return versions.get(index);
    }

    void version(int index, long version) {
        versions.set(index, version);
    }

    /** The main data set's item at {@code index}. */
    Map<String, AttributeValue> mainItem(int index) {
        return item(ids[index], name(index), index);
    }

    /** A product of the scale test's target name. */
    Map<String, AttributeValue> targetItem(int index) {
        return item(id("target", index), SCALE_TARGET, index);
    }

    /** A product that only fills the table for the scale test (names from the same pool). */
    Map<String, AttributeValue> fillerItem(int index) {
        return item(id("filler", index), name(index), index);
    }

    /**
     * Writes items {@code from} (inclusive) to {@code to} (exclusive) with BatchWriteItem, 25 per
     * request, on several threads; unprocessed items are retried with a short back-off.
     *
     * @param client  DynamoDB client
     * @param items   the item at each index
     * @param from    first index
     * @param to      end index
     * @param threads concurrent batch writers
     * @return how long it took
     */
    Duration load(DynamoDbClient client, IntFunction<Map<String, AttributeValue>> items, int from, int to, int threads) {
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> batches = new ArrayList<>();
            for (int first = from; first < to; first += BATCH) {
                int batchStart = first;
                int batchEnd = Math.min(to, first + BATCH);
                batches.add(pool.submit(() -> writeBatch(client, items, batchStart, batchEnd)));
            }
            for (Future<?> batch : batches) {
                batch.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while loading products", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Loading products failed: " + e.getCause().getMessage(), e.getCause());
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private void writeBatch(DynamoDbClient client, IntFunction<Map<String, AttributeValue>> items, int from, int to) {
        List<WriteRequest> writes = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(items.apply(i)).build()).build());
        }
        Map<String, List<WriteRequest>> pending = Map.of(table, writes);
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            if (attempt > MAX_BATCH_ATTEMPTS) {
                throw new IllegalStateException("BatchWriteItem left items unprocessed after " + MAX_BATCH_ATTEMPTS + " attempts");
            }
            Map<String, List<WriteRequest>> request = pending;
            BatchWriteItemResponse response = client.batchWriteItem(b -> b.requestItems(request));
            pending = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
            if (!pending.isEmpty()) {
                sleep(Duration.ofMillis(20L * attempt));
            }
        }
    }

    private Map<String, AttributeValue> item(String id, String name, int index) {
        // Distinct, decreasing timestamps: the name index orders by updated_at.
        String epochSeconds = epochSeconds(baseMillis - index);
        return Map.of(Tables.ID, AttributeValue.fromS(id),
                      Tables.NAME, AttributeValue.fromS(name),
                      Tables.DESCRIPTION, AttributeValue.fromS(DESCRIPTION),
                      Tables.CREATED_AT, AttributeValue.fromN(epochSeconds),
                      Tables.UPDATED_AT, AttributeValue.fromN(epochSeconds),
                      Tables.VERSION, AttributeValue.fromN("1"));
    }

    /** Epoch seconds with three decimals, the service's stored timestamp format. */
    static String epochSeconds(long epochMillis) {
        return "%d.%03d".formatted(epochMillis / 1000, epochMillis % 1000);
    }

    /** A deterministic UUID, so that runs with the same sizes touch the same keys. */
    static String id(String kind, int index) {
        return UUID.nameUUIDFromBytes((kind + "-" + index).getBytes(StandardCharsets.UTF_8)).toString();
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}
