package org.productservice.product;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.productservice.http.ProblemException;

import com.fasterxml.jackson.core.JsonFactory;
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
 * Strict JSON: well-formed UTF-8 only, no duplicate keys, nothing after the value, and a bounded
 * number of fields. Every refusal is a 400 that names {@code body}.
 */
final class StrictJson {
    // A shared pool of Jackson's buffers, not the default one per thread: every connection has a
    // (virtual) thread of its own, which would keep ~40 KB of buffers for as long as it stays open.
    /** The factory of every product JSON parser and generator. */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .build();
    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

    private StrictJson() {
    }

    /**
     * Parses a body that must be one JSON object of at most {@code maxFields} fields.
     *
     * @param body      the body's bytes
     * @param maxFields most fields the object may have; reading stops at the next one
     * @param tooMany   what to say of an object with more, after "has more than N fields; "
     * @return the object
     * @throws ProblemException 400 naming {@code body} for anything else
     */
    static JsonNode parseObject(byte[] body, int maxFields, String tooMany) {
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
            root = parser.nextToken() == JsonToken.START_OBJECT ? readFields(parser, maxFields, tooMany) : MAPPER.readTree(parser);
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
     * Reads an object's fields one by one, and gives up at the first field beyond {@code maxFields}:
     * a body of thousands of fields costs neither the parsing of all of them nor an error per field.
     */
    private static ObjectNode readFields(JsonParser parser, int maxFields, String tooMany) throws IOException {
        ObjectNode object = MAPPER.createObjectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            if (object.size() == maxFields) {
                throw ProblemException.badRequest("body", "has more than " + maxFields + " fields; " + tooMany);
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

    /**
     * A JSON value's kind, for a message: "a number", "null"...
     *
     * @param node the value, or null for none
     * @return its kind
     */
    static String describe(JsonNode node) {
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
}
