package org.productservice.product;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.productservice.product.ProductRepository.ProductChanges;
import org.productservice.schema.Tables;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The write tokens of a product's last {@value Tables#RECENT_WRITES} changes, kept in its item so
 * that a write whose answer was lost can tell afterwards whether it was applied, even when later
 * changes have already replaced it.
 *
 * <p>Every change draws a token (64 random bits) and its entry, the token and the fields it set
 * ({@code "Qm9v3kX1aZc.nd"}: name and description, by their {@link TextRule#writeCode}),
 * goes into {@code write_0} while the older
 * entries move up one attribute ({@code write_0} to {@code write_1} ...) and the oldest drops out;
 * all in the same UpdateItem that increments the version. So the entry in {@code write_i} is
 * that of the change that made version {@code current - i}, and the item stays bounded: four short
 * strings, some 80 bytes. An entry found means the change applied, at a version the position
 * tells; a change that would have made version v is proven not applied when its entry is absent
 * while {@code current - v} is below {@value Tables#RECENT_WRITES}, since no more changes than that
 * can have pushed it out. A single list attribute cannot be kept bounded in one update
 * (DynamoDB cannot trim a list while appending to it), hence one attribute per position.
 *
 * <p>Items without these attributes (written by the FastAPI service, or never changed) simply
 * have no recent writes; the schema of {@link ProductItem} ignores the attributes, so they never
 * reach the API.
 */
final class RecentWrites {
    /** How many changes keep their entry. */
    static final int KEPT = Tables.RECENT_WRITES;

    private static final String[] ATTRIBUTES = new String[KEPT];
    private static final String[] PLACEHOLDERS = new String[KEPT];
    // What fills a position that had no entry yet: DynamoDB cannot copy a missing attribute.
    private static final AttributeValue NONE = AttributeValue.fromS("-");
    private static final String SHIFT;
    private static final Base64.Encoder TOKENS = Base64.getUrlEncoder().withoutPadding();

    static {
        StringBuilder shift = new StringBuilder();
        for (int i = 0; i < KEPT; i++) {
            ATTRIBUTES[i] = Tables.RECENT_WRITE_PREFIX + i;
            PLACEHOLDERS[i] = "#write" + i;
        }
        for (int i = KEPT - 1; i > 0; i--) {
            shift.append(", ").append(PLACEHOLDERS[i]).append(" = if_not_exists(").append(PLACEHOLDERS[i - 1]).append(", :none)");
        }
        shift.append(", ").append(PLACEHOLDERS[0]).append(" = :write");
        SHIFT = shift.toString();
    }

    private RecentWrites() {
    }

    /**
     * A new change's entry: a fresh token and the fields it sets.
     *
     * @param changes the fields the change sets
     * @return e.g. {@code "Qm9v3kX1aZc.nd"}
     */
    static String newEntry(ProductChanges changes) {
        byte[] token = ByteBuffer.allocate(Long.BYTES).putLong(ThreadLocalRandom.current().nextLong()).array();
        StringBuilder entry = new StringBuilder(TOKENS.encodeToString(token)).append('.');
        changes.values().keySet().forEach(field -> entry.append(field.rule().orElseThrow().writeCode()));
        return entry.toString();
    }

    /**
     * Adds the entry to an update: appends the shift to its SET clause and its names and values.
     *
     * @param set    the update expression, a SET clause
     * @param names  the expression's attribute names
     * @param values the expression's attribute values
     * @param entry  the change's entry
     */
    static void add(StringBuilder set, Map<String, String> names, Map<String, AttributeValue> values, String entry) {
        set.append(SHIFT);
        for (int i = 0; i < KEPT; i++) {
            names.put(PLACEHOLDERS[i], ATTRIBUTES[i]);
        }
        values.put(":none", NONE);
        values.put(":write", AttributeValue.fromS(entry));
    }

    /**
     * Where an entry is among the item's recent writes.
     *
     * @param item  the item's attributes
     * @param entry the entry
     * @return 0 if the entry's change made the current version, 1 for the one before...; -1 if absent
     */
    static int position(Map<String, AttributeValue> item, String entry) {
        for (int i = 0; i < KEPT; i++) {
            AttributeValue value = item.get(ATTRIBUTES[i]);
            if (value != null && entry.equals(value.s())) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Whether one of the changes after the one at a position may have set a field.
     *
     * @param item     the item's attributes
     * @param position a position found by {@link #position}
     * @param field    a writable field
     * @return false only if every later change is known and none set the field
     */
    static boolean changedSince(Map<String, AttributeValue> item, int position, ProductField field) {
        char code = field.rule().orElseThrow().writeCode();
        for (int i = 0; i < position; i++) {
            AttributeValue value = item.get(ATTRIBUTES[i]);
            String entry = value == null ? null : value.s();
            int dot = entry == null ? -1 : entry.indexOf('.');
            if (dot < 0 || entry.indexOf(code, dot) >= 0) {
                return true;
            }
        }
        return false;
    }
}
