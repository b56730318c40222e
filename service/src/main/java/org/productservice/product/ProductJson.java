package org.productservice.product;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.productservice.http.FieldError;
import org.productservice.http.ProblemException;
import org.productservice.schema.Tables;

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
 */
final class ProductJson {
    /** Longest name, in characters (code points), after trimming. */
    static final int NAME_MAX = 200;
    /** Longest description, in characters (code points). */
    static final int DESCRIPTION_MAX = 2000;

    private static final Set<String> WRITABLE = Set.of(Tables.NAME, Tables.DESCRIPTION);
    private static final Set<String> READ_ONLY = Set.of(Tables.ID, Tables.CREATED_AT, Tables.UPDATED_AT, Tables.VERSION);
    // A shared pool of Jackson's buffers, not the default one per thread: every connection has a
    // (virtual) thread of its own, which would keep ~40 KB of buffers for as long as it stays open.
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .build();
    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);
    /** Most fields a body may have: every field a product has. Parsing stops at the next one. */
    private static final int MAX_FIELDS = WRITABLE.size() + READ_ONLY.size();

    private ProductJson() {
    }

    /**
     * Validated fields of a create or replace request.
     *
     * @param name        trimmed name, in Unicode normalisation form C
     * @param description description, in normalisation form C
     */
    record ProductInput(String name, String description) {
    }

    /**
     * Parses the body of POST or PUT: an object with exactly {@code name} and {@code description}.
     *
     * @param body request body
     * @return validated input
     * @throws ProblemException 400 listing every problem found
     */
    static ProductInput parseInput(byte[] body) {
        JsonNode root = parseObject(body);
        List<FieldError> errors = new ArrayList<>();
        checkFieldNames(root, errors);
        Optional<String> name = field(root, Tables.NAME, true, errors).flatMap(value -> validName(value, errors));
        Optional<String> description = field(root, Tables.DESCRIPTION, true, errors)
                .flatMap(value -> validDescription(value, errors));
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        return new ProductInput(name.orElseThrow(), description.orElseThrow());
    }

    /**
     * Parses a JSON merge patch (RFC 7396) of a product: any of {@code name} and
     * {@code description}; {@code null} would remove a field, and both are required, so it is
     * refused.
     *
     * @param body request body
     * @return the changes, possibly none
     * @throws ProblemException 400 listing every problem found
     */
    static ProductRepository.ProductChanges parsePatch(byte[] body) {
        JsonNode root = parseObject(body);
        List<FieldError> errors = new ArrayList<>();
        checkFieldNames(root, errors);
        Optional<String> name = field(root, Tables.NAME, false, errors).flatMap(value -> validName(value, errors));
        Optional<String> description = field(root, Tables.DESCRIPTION, false, errors)
                .flatMap(value -> validDescription(value, errors));
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        return new ProductRepository.ProductChanges(name, description);
    }

    /**
     * Validates a name given outside a body (the {@code name} query parameter).
     *
     * @param field  parameter name, for the error
     * @param value  raw value
     * @return trimmed name
     * @throws ProblemException 400 if invalid
     */
    static String queryName(String field, String value) {
        List<FieldError> errors = new ArrayList<>();
        Optional<String> name = validName(value, errors);
        if (!errors.isEmpty()) {
            throw ProblemException.badRequest(field, errors.getFirst().message());
        }
        return name.orElseThrow();
    }

    /**
     * Writes one product.
     *
     * @param product the product
     * @return UTF-8 JSON
     */
    static byte[] write(Product product) {
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
    static byte[] writePage(List<Product> items, Optional<String> nextCursor) {
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
        json.writeStringField(Tables.ID, product.id());
        json.writeStringField(Tables.NAME, product.name());
        json.writeStringField(Tables.DESCRIPTION, product.description());
        json.writeFieldName(Tables.CREATED_AT);
        json.writeNumber(ProductItem.toEpochSeconds(product.createdAt()).toPlainString());
        json.writeFieldName(Tables.UPDATED_AT);
        json.writeNumber(ProductItem.toEpochSeconds(product.updatedAt()).toPlainString());
        json.writeNumberField(Tables.VERSION, product.version());
        json.writeEndObject();
    }

    private static JsonNode parseObject(byte[] body) {
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
     * Reads an object's fields one by one, and gives up at the first field beyond {@link #MAX_FIELDS}:
     * a body of thousands of fields costs neither the parsing of all of them nor an error per field.
     */
    private static ObjectNode readFields(JsonParser parser) throws IOException {
        ObjectNode object = MAPPER.createObjectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            if (object.size() == MAX_FIELDS) {
                throw ProblemException.badRequest("body", "has more than " + MAX_FIELDS
                        + " fields; a product has name and description only");
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

    private static void checkFieldNames(JsonNode root, List<FieldError> errors) {
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (READ_ONLY.contains(name)) {
                errors.add(new FieldError(name, "is set by the server and cannot be sent"));
            } else if (!WRITABLE.contains(name)) {
                errors.add(new FieldError(name, "unknown field; allowed fields are name and description"));
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

    private static Optional<String> validName(String raw, List<FieldError> errors) {
        if (!validUnicode(raw)) {
            errors.add(new FieldError(Tables.NAME, "must be valid Unicode (no unpaired surrogates)"));
            return Optional.empty();
        }
        // One normal form, so that names that look the same are the same (queries, idempotency).
        String name = Normalizer.normalize(raw.strip(), Normalizer.Form.NFC);
        int length = name.codePointCount(0, name.length());
        if (length == 0) {
            errors.add(new FieldError(Tables.NAME, "must not be blank"));
        } else if (length > NAME_MAX) {
            errors.add(new FieldError(Tables.NAME, "must be at most " + NAME_MAX + " characters, not " + length));
        } else if (!validUnicode(name)) {
            errors.add(new FieldError(Tables.NAME, "must be valid Unicode (no unpaired surrogates)"));
        } else if (name.codePoints().anyMatch(Character::isISOControl)) {
            errors.add(new FieldError(Tables.NAME, "must not contain control characters"));
        } else if (name.codePoints().anyMatch(ProductJson::invisible)) {
            errors.add(new FieldError(Tables.NAME, "must not contain format or separator characters such as "
                    + "right-to-left overrides, zero-width spaces or line separators"));
        } else {
            return Optional.of(name);
        }
        return Optional.empty();
    }

    private static Optional<String> validDescription(String raw, List<FieldError> errors) {
        if (!validUnicode(raw)) {
            errors.add(new FieldError(Tables.DESCRIPTION, "must be valid Unicode (no unpaired surrogates)"));
            return Optional.empty();
        }
        String description = Normalizer.normalize(raw, Normalizer.Form.NFC);
        int length = description.codePointCount(0, description.length());
        if (length > DESCRIPTION_MAX) {
            errors.add(new FieldError(Tables.DESCRIPTION, "must be at most " + DESCRIPTION_MAX + " characters, not " + length));
        } else if (description.codePoints().anyMatch(c -> Character.isISOControl(c) && c != '\t' && c != '\n')) {
            errors.add(new FieldError(Tables.DESCRIPTION, "must not contain control characters other than tab and newline"));
        } else {
            return Optional.of(description);
        }
        return Optional.empty();
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
