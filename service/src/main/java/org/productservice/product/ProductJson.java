package org.productservice.product;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.productservice.http.FieldError;
import org.productservice.http.ProblemException;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The JSON wire format of products, in one place: strict parsing of request bodies into
 * validated values, and writing of products and pages. Field names are snake_case and
 * timestamps epoch seconds with millisecond precision, as in the FastAPI service this replaces.
 * Fields, their names and their rules come from {@link ProductField}.
 */
final class ProductJson {
    private final Set<String> writable = new HashSet<>();
    private final Set<String> readOnly = new HashSet<>();
    /** Most fields a body may have: every field a product has. Parsing stops at the next one. */
    private final int maxFields;
    private final String writableNames;

    /** Builds the format from the field definitions. */
    ProductJson() {
        for (ProductField field : ProductField.values()) {
            if (field.writable()) {
                writable.add(field.json());
            } else {
                readOnly.add(field.json());
            }
        }
        maxFields = ProductField.values().length;
        writableNames = ProductField.writableNames();
    }

    /**
     * Validated fields of a create or replace request: every writable field.
     *
     * @param values each writable field's value: trimmed if its rule says so, in Unicode normalisation form C
     */
    record ProductInput(Map<ProductField, String> values) {
        /** Checks that every writable field is there, and copies the map. */
        ProductInput {
            if (!values.keySet().equals(Set.copyOf(ProductField.WRITABLE))) {
                throw new IllegalArgumentException("an input has every writable field, not " + values.keySet());
            }
            values = Collections.unmodifiableMap(new EnumMap<>(values));
        }

        /**
         * One field's value.
         *
         * @param field a writable field
         * @return its value
         */
        String get(ProductField field) {
            return values.get(field);
        }
    }

    /**
     * Parses the body of POST or PUT: an object with exactly {@code name} and {@code description}.
     *
     * @param body request body
     * @return validated input
     * @throws ProblemException 400 listing every problem found
     */
    ProductInput parseInput(byte[] body) {
        return new ProductInput(parseFields(body, true));
    }

    /**
     * Parses a JSON merge patch (RFC 7396) of a product: any of the writable fields;
     * {@code null} would remove a field, and every field is required, so it is refused.
     *
     * @param body request body
     * @return the changes, possibly none
     * @throws ProblemException 400 listing every problem found
     */
    ProductRepository.ProductChanges parsePatch(byte[] body) {
        return new ProductRepository.ProductChanges(parseFields(body, false));
    }

    /** The writable fields of a body, each validated; with {@code all}, each is required. */
    private Map<ProductField, String> parseFields(byte[] body, boolean all) {
        JsonNode root = StrictJson.parseObject(body, maxFields, "a product has " + writableNames + " only");
        List<FieldError> errors = new ArrayList<>();
        checkFieldNames(root, errors);
        Map<ProductField, String> values = new EnumMap<>(ProductField.class);
        for (ProductField field : ProductField.WRITABLE) {
            field(root, field.json(), all, errors)
                    .flatMap(value -> valid(field, value, errors))
                    .ifPresent(value -> values.put(field, value));
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        return values;
    }

    /**
     * Validates a field's value given outside a body (the {@code name} query parameter).
     *
     * @param parameter parameter name, for the error
     * @param field     the field the parameter stands for
     * @param value     raw value
     * @return the value as the field's rule leaves it (e.g. trimmed)
     * @throws ProblemException 400 if invalid
     */
    String queryValue(String parameter, ProductField field, String value) {
        List<FieldError> errors = new ArrayList<>();
        Optional<String> valid = valid(field, value, errors);
        if (!errors.isEmpty()) {
            throw ProblemException.badRequest(parameter, errors.getFirst().message());
        }
        return valid.orElseThrow();
    }

    /**
     * The canonical JSON of validated input: its fields by JSON name, sorted, without white
     * space. Equal inputs give equal bytes, whatever order or normal form the client sent.
     *
     * @param input the input
     * @return UTF-8 JSON
     */
    static byte[] canonical(ProductInput input) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = StrictJson.FACTORY.createGenerator(out)) {
            json.writeStartObject();
            for (ProductField field : input.values().keySet().stream().sorted(Comparator.comparing(ProductField::json)).toList()) {
                json.writeStringField(field.json(), input.get(field));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Writes one product.
     *
     * @param product the product
     * @return UTF-8 JSON
     */
    byte[] write(Product product) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = StrictJson.FACTORY.createGenerator(out)) {
            writeProduct(json, product);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Writes a page of products.
     *
     * @param items      products of the page
     * @param nextCursor cursor of the next page, absent on the last page
     * @return UTF-8 JSON
     */
    byte[] writePage(List<Product> items, Optional<String> nextCursor) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * (items.size() + 1));
        try (JsonGenerator json = StrictJson.FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeArrayFieldStart("items");
            for (Product product : items) {
                writeProduct(json, product);
            }
            json.writeEndArray();
            if (nextCursor.isPresent()) {
                json.writeStringField("next_cursor", nextCursor.get());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeProduct(JsonGenerator json, Product product) throws IOException {
        json.writeStartObject();
        for (ProductField field : ProductField.values()) {
            json.writeFieldName(field.json());
            Object value = field.valueOf(product);
            switch (field.type()) {
                case TEXT -> json.writeString((String) value);
                case TIMESTAMP -> json.writeNumber(ProductItem.toEpochSeconds((Instant) value).toPlainString());
                case COUNT -> json.writeNumber((Long) value);
            }
        }
        json.writeEndObject();
    }

    private void checkFieldNames(JsonNode root, List<FieldError> errors) {
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (readOnly.contains(name)) {
                errors.add(new FieldError(name, "is set by the server and cannot be sent"));
            } else if (!writable.contains(name)) {
                errors.add(new FieldError(name, "unknown field; allowed fields are " + writableNames));
            }
        }
    }

    private static Optional<String> field(JsonNode root, String name, boolean required, List<FieldError> errors) {
        JsonNode value = root.get(name);
        if (value == null) {
            if (required) {
                errors.add(new FieldError(name, "is required"));
            }
            return Optional.empty();
        }
        if (!value.isTextual()) {
            errors.add(new FieldError(name, "must be a string, not " + StrictJson.describe(value)));
            return Optional.empty();
        }
        return Optional.of(value.textValue());
    }

    /** The value as the field's rule leaves it, or empty with the reason in {@code errors}. */
    private static Optional<String> valid(ProductField field, String raw, List<FieldError> errors) {
        TextRule rule = field.rule().orElseThrow();
        String problem = TextRule.UNPAIRED_SURROGATES;
        if (TextRule.validUnicode(raw)) {
            String value = rule.normalise(raw);
            problem = rule.problem(value);
            if (problem == null) {
                return Optional.of(value);
            }
        }
        errors.add(new FieldError(field.json(), problem));
        return Optional.empty();
    }

    private static ProblemException invalid(List<FieldError> errors) {
        String fields = String.join(", ", errors.stream().map(FieldError::field).distinct().toList());
        return ProblemException.badRequest("The request body is invalid (" + fields + "); see errors.", errors);
    }
}
