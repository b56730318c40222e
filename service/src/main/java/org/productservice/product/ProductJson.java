package org.productservice.product;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.productservice.http.FieldError;
import org.productservice.http.ProblemException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON wire format of products, in one place: strict parsing of request bodies into
 * validated values, and writing of products and pages. Field names are snake_case and
 * timestamps epoch seconds with millisecond precision, as in the FastAPI service this replaces.
 * Fields, their names and their rules come from {@link ProductField}.
 */
final class ProductJson {
    // A shared pool of Jackson's buffers, not the default one per thread: every connection has a
    // (virtual) thread of its own, which would keep ~40 KB of buffers for as long as it stays open.
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .build();
    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);
    private static final String UNPAIRED_SURROGATES = "must be valid Unicode (no unpaired surrogates)";

    private final Map<String, ProductField> writable = new HashMap<>();
    private final Set<String> readOnly = new HashSet<>();
    /** Most fields a body may have: every field a product has. Parsing stops at the next one. */
    private final int maxFields;
    private final String writableNames;

    /** Builds the format from the field definitions. */
    ProductJson() {
        for (ProductField field : ProductField.values()) {
            if (field.writable()) {
                writable.put(field.json(), field);
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
        JsonNode root = parseObject(body);
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
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
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
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
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
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
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

    private JsonNode parseObject(byte[] body) {
        if (body.length == 0) {
            throw ProblemException.badRequest("body", "a JSON object is required");
        }
        String text;
        try {
            // Jackson's UTF-8 reader accepts some invalid sequences (overlong forms such as C0 AF
            // for "/"): decode strictly first, so only well-formed UTF-8 is ever stored.
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw ProblemException.badRequest("body", "is not valid UTF-8");
        }
        JsonNode root;
        try (JsonParser parser = FACTORY.createParser(text)) {
            root = parser.nextToken() == JsonToken.START_OBJECT ? readFields(parser) : MAPPER.readTree(parser);
            if (parser.nextToken() != null) {
                throw ProblemException.badRequest("body", "unexpected content after the JSON value");
            }
        } catch (JsonProcessingException e) {
            throw ProblemException.badRequest("body", malformed(e));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || root.getNodeType() != JsonNodeType.OBJECT) {
            throw ProblemException.badRequest("body", "must be a JSON object, not " + describe(root));
        }
        return root;
    }

    /**
     * Reads an object's fields one by one, and gives up at the first field beyond {@link #maxFields}:
     * a body of thousands of fields costs neither the parsing of all of them nor an error per field.
     */
    private ObjectNode readFields(JsonParser parser) throws IOException {
        ObjectNode object = MAPPER.createObjectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            if (object.size() == maxFields) {
                throw ProblemException.badRequest("body", "has more than " + maxFields
                        + " fields; a product has " + writableNames + " only");
            }
            String name = parser.currentName();
            parser.nextToken();
            object.set(name, MAPPER.readTree(parser));
        }
        return object;
    }

    /** Jackson's messages name internal settings after the first line; keep the useful part. */
    private static String malformed(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        int cut = message.indexOf(" (");
        message = (cut > 0 ? message.substring(0, cut) : message).lines().findFirst().orElse("");
        if (e.getLocation() != null && e.getLocation().getLineNr() > 0) {
            return "malformed JSON at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
                    + ": " + message;
        }
        return "malformed JSON: " + message;
    }

    private void checkFieldNames(JsonNode root, List<FieldError> errors) {
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (readOnly.contains(name)) {
                errors.add(new FieldError(name, "is set by the server and cannot be sent"));
            } else if (!writable.containsKey(name)) {
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
            errors.add(new FieldError(name, "must be a string, not " + describe(value)));
            return Optional.empty();
        }
        return Optional.of(value.textValue());
    }

    /** The value as the field's rule leaves it, or empty with the reason in {@code errors}. */
    private static Optional<String> valid(ProductField field, String raw, List<FieldError> errors) {
        ProductField.TextRule rule = field.rule().orElseThrow();
        String problem;
        if (validUnicode(raw)) {
            // One normal form, so that values that look the same are the same (queries, idempotency).
            String value = Normalizer.normalize(rule.trimmed() ? raw.strip() : raw, Normalizer.Form.NFC);
            problem = problem(rule, value);
            if (problem == null) {
                return Optional.of(value);
            }
        } else {
            problem = UNPAIRED_SURROGATES;
        }
        errors.add(new FieldError(field.json(), problem));
        return Optional.empty();
    }

    /** What is wrong with a normalised value under a rule, or null if nothing. */
    private static String problem(ProductField.TextRule rule, String value) {
        int length = value.codePointCount(0, value.length());
        if (length < rule.minLength()) {
            return rule.minLength() == 1 ? "must not be blank" : "must be at least " + rule.minLength() + " characters, not " + length;
        }
        if (length > rule.maxLength()) {
            return "must be at most " + rule.maxLength() + " characters, not " + length;
        }
        if (value.codePoints().anyMatch(c -> Character.isISOControl(c) && !(rule.tabAndNewline() && (c == '\t' || c == '\n')))) {
            return rule.tabAndNewline() ? "must not contain control characters other than tab and newline"
                                        : "must not contain control characters";
        }
        if (!rule.invisibleChars() && value.codePoints().anyMatch(ProductJson::invisible)) {
            return "must not contain format or separator characters such as "
                    + "right-to-left overrides, zero-width spaces or line separators";
        }
        return null;
    }

    /** Characters that change how a name displays without being seen: Cf (bidi overrides, zero-width), Zl, Zp. */
    private static boolean invisible(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** JSON escapes can encode lone surrogates, which cannot be stored as UTF-8 without loss. */
    private static boolean validUnicode(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case NUMBER -> "a number";
            case OBJECT -> "an object";
            case STRING -> "a string";
            default -> "a " + node.getNodeType().name().toLowerCase();
        };
    }

    private static ProblemException invalid(List<FieldError> errors) {
        String fields = String.join(", ", errors.stream().map(FieldError::field).distinct().toList());
        return ProblemException.badRequest("The request body is invalid (" + fields + "); see errors.", errors);
    }
}
