package org.productservice.product;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.productservice.schema.Tables;

/**
 * The one definition of a product's fields: each field's JSON name, its stored attribute name
 * (which must never change: existing items hold it), its type, and for the fields a client
 * writes, their rules. The JSON format, its error messages, the stored item and the idempotency
 * hash follow this list; {@code ProductFieldsTest} fails when {@link Product}, the OpenAPI
 * document or the stored item leaves a field out.
 */
enum ProductField {
    ID("id", Tables.ID, Type.TEXT, Optional.empty()),
    NAME("name", Tables.NAME, Type.TEXT, Optional.of(new TextRule('n', true, 1, 200, false, false))),
    DESCRIPTION("description", Tables.DESCRIPTION, Type.TEXT, Optional.of(new TextRule('d', false, 0, 2000, true, true))),
    CREATED_AT("created_at", Tables.CREATED_AT, Type.TIMESTAMP, Optional.empty()),
    UPDATED_AT("updated_at", Tables.UPDATED_AT, Type.TIMESTAMP, Optional.empty()),
    VERSION("version", Tables.VERSION, Type.COUNT, Optional.empty());

    /** The fields a client sends (POST, PUT, PATCH), in definition order; the others are set by the server. */
    static final List<ProductField> WRITABLE = Arrays.stream(values()).filter(ProductField::writable).toList();

    private final String json;
    private final String attribute;
    private final Type type;
    private final Optional<TextRule> rule;

    ProductField(String json, String attribute, Type type, Optional<TextRule> rule) {
        this.json = json;
        this.attribute = attribute;
        this.type = type;
        this.rule = rule;
    }

    /** How a field's value is represented: in JSON, and in the item (S for text, N for the others). */
    enum Type {
        /** A string. */
        TEXT,
        /** An instant, written as epoch seconds with millisecond precision. */
        TIMESTAMP,
        /** A whole number. */
        COUNT
    }

    /** @return the name in the API's JSON */
    String json() {
        return json;
    }

    /** @return the stored attribute's name */
    String attribute() {
        return attribute;
    }

    /** @return how the value is represented */
    Type type() {
        return type;
    }

    /** @return the rules of a field clients write; empty for a field the server sets */
    Optional<TextRule> rule() {
        return rule;
    }

    /** @return whether clients write this field */
    boolean writable() {
        return rule.isPresent();
    }

    /**
     * This field's value in a product: a String for TEXT, an Instant for TIMESTAMP, a Long for COUNT.
     *
     * @param product the product
     * @return the value
     */
    Object valueOf(Product product) {
        return switch (this) {
            case ID -> product.id();
            case NAME -> product.name();
            case DESCRIPTION -> product.description();
            case CREATED_AT -> product.createdAt();
            case UPDATED_AT -> product.updatedAt();
            case VERSION -> product.version();
        };
    }

    /**
     * The writable fields' JSON names for a message, e.g. "name and description".
     *
     * @return the names, joined
     */
    static String writableNames() {
        List<String> names = WRITABLE.stream().map(ProductField::json).toList();
        if (names.size() == 1) {
            return names.getFirst();
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.getLast();
    }
}
