package org.productservice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.productservice.docs.ApiDocs;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;

/**
 * The OpenAPI document the service serves at {@code /openapi} ({@code openapi.yaml}), as a
 * contract that every response the tests receive must meet: the status is documented for the
 * operation, the Content-Type is one the response documents, the body matches its schema, and
 * documented headers are present when required and match their schemas. Bodies and header
 * values are validated by networknt's json-schema-validator with the OpenAPI 3.1 dialect (the
 * document's own JSON Schema 2020-12); this class only finds, in the document, the response
 * object that applies, the way an OpenAPI tool does.
 *
 * <p>A request the document has no operation for (an unknown path, a method a path does not
 * have, a request refused before routing) still gets an answer the document promises: an error
 * as {@code application/problem+json} matching its {@code Problem} schema. Only {@link #EXEMPT}
 * paths, served on the API's port but not part of the API, are not checked.
 *
 * <p>Built once per JVM ({@link #get()}): each schema is compiled on first use and kept.
 */
public final class ApiContract {
    /** Paths on the API's port that the document does not describe, each with the reason. */
    static final Map<String, String> EXEMPT = Map.of(
            "/openapi", "the OpenAPI document itself (YAML, or JSON on request); ApiDocsTest checks what it serves",
            "/docs", "Swagger UI: a redirect and static files for browsers, not the API; ApiDocsTest checks them");

    // A name for the document inside the schema registry; it is never fetched.
    private static final String DOCUMENT_IRI = "https://product-service.test/" + ApiDocs.DOCUMENT;
    private static final String PROBLEM = "/components/schemas/Problem";
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SHOWN_BODY = 2000;
    private static final ApiContract INSTANCE = load();

    private final JsonNode document;
    private final List<String> paths;
    private final SchemaRegistry registry;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    private ApiContract(String yaml) {
        this.document = JSON.valueToTree(new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml));
        List<String> templates = new ArrayList<>();
        document.path("paths").fieldNames().forEachRemaining(templates::add);
        // OpenAPI: concrete paths match before templated ones (/products/search before /products/{id}).
        templates.sort(Comparator.comparingLong((String path) -> path.chars().filter(c -> c == '{').count()));
        this.paths = List.copyOf(templates);
        this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(), registry -> registry
                .schemas(Map.of(DOCUMENT_IRI, yaml))
                // Formats (uuid, ...) are annotations only in 2020-12 unless asserted; assert them.
                .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    }

    /**
     * The contract of the service's own document.
     *
     * @return the contract, built once per JVM
     */
    public static ApiContract get() {
        return INSTANCE;
    }

    /**
     * Fails when a response breaks the contract.
     *
     * @param method  request method
     * @param target  request path and query
     * @param status  response status
     * @param headers response headers (any case)
     * @param body    response body, empty for none
     * @throws AssertionError naming the request, each violation and the response
     */
    public void check(String method, String target, int status, Map<String, List<String>> headers, String body) {
        List<String> violations = violations(method, target, status, headers, body);
        if (!violations.isEmpty()) {
            throw new AssertionError(method + " " + target + " was answered outside the OpenAPI document ("
                                             + ApiDocs.DOCUMENT + "):\n  - " + String.join("\n  - ", violations)
                                             + "\n  response: " + status + " " + headers + " " + shorten(body));
        }
    }

    /**
     * Fails when a response read off a raw socket breaks the contract.
     *
     * @param method   request method
     * @param target   request path and query
     * @param response the HTTP/1.1 response as text: status line, headers, blank line, body
     * @throws AssertionError naming the request, each violation and the response
     */
    public void checkHttp1(String method, String target, String response) {
        int headEnd = response.indexOf("\r\n\r\n");
        if (!response.startsWith("HTTP/1.1 ") || headEnd < 0) {
            throw new AssertionError(method + " " + target + " was not answered with an HTTP/1.1 response: " + shorten(response));
        }
        String[] lines = response.substring(0, headEnd).split("\r\n");
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).strip(), name -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).strip());
        }
        check(method, target, Integer.parseInt(lines[0].substring(9, 12)), headers, response.substring(headEnd + 4));
    }

    /**
     * What a response does that the document does not allow.
     *
     * @param method  request method
     * @param target  request path and query
     * @param status  response status
     * @param headers response headers (any case)
     * @param body    response body, empty for none
     * @return the violations, empty when the response meets the contract
     */
    public List<String> violations(String method, String target, int status, Map<String, List<String>> headers, String body) {
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byName.putAll(headers);
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        if (exempt(path)) {
            return List.of();
        }
        List<String> violations = new ArrayList<>();
        Optional<String> template = paths.stream().filter(candidate -> matches(candidate, path)).findFirst();
        String lowerMethod = method.toLowerCase(Locale.ROOT);
        if (template.isEmpty() || !document.path("paths").path(template.get()).has(lowerMethod)
                || !METHODS.contains(lowerMethod)) {
            outsideOperations(method, status, byName, body, violations);
            return violations;
        }
        String operation = method.toUpperCase(Locale.ROOT) + " " + template.get();
        String responsesPointer = "/paths/" + escape(template.get()) + "/" + lowerMethod + "/responses";
        JsonNode responses = document.at(responsesPointer);
        String code = Integer.toString(status);
        String range = code.charAt(0) + "XX";
        String key = responses.has(code) ? code : responses.has(range) ? range : responses.has("default") ? "default" : null;
        if (key == null) {
            List<String> documented = new ArrayList<>();
            responses.fieldNames().forEachRemaining(documented::add);
            violations.add("status " + status + " is not documented for " + operation + " (documented: "
                                   + String.join(", ", documented.stream().sorted().toList()) + ")");
            return violations;
        }
        String response = resolve(responsesPointer + "/" + escape(key));
        headers(operation + " " + key, response, byName, violations);
        content(operation + " " + key, response, method, byName, body, violations);
        return violations;
    }

    /** Any answer to a request that no operation describes must be a documented problem. */
    private void outsideOperations(String method, int status, Map<String, List<String>> headers, String body,
                                   List<String> violations) {
        if (status < 400) {
            violations.add("no operation of the document matches, and status " + status + " is not an error");
            return;
        }
        String type = mediaType(headers).orElse("");
        if (!type.equals(PROBLEM_JSON)) {
            violations.add("an error outside the documented operations must be " + PROBLEM_JSON + ", not '" + type + "'");
        } else if (!method.equalsIgnoreCase("HEAD")) {
            validate(PROBLEM, "body", json(body, violations), violations);
        }
        if (status == 405 && !headers.containsKey("Allow")) {
            violations.add("405 without an Allow header (the document's description promises one)");
        }
    }

    private void headers(String where, String response, Map<String, List<String>> actual, List<String> violations) {
        JsonNode documented = document.at(response + "/headers");
        documented.fieldNames().forEachRemaining(name -> {
            if (name.equalsIgnoreCase("Content-Type")) {
                return; // OpenAPI: ignored in headers; the content map says it.
            }
            String header = resolve(response + "/headers/" + escape(name));
            List<String> values = actual.getOrDefault(name, List.of());
            if (values.isEmpty()) {
                if (document.at(header).path("required").asBoolean(false)) {
                    violations.add("required header " + name + " (" + where + ") is missing");
                }
                return;
            }
            if (document.at(header).has("schema")) {
                for (String value : values) {
                    validate(header + "/schema", "header " + name, headerJson(header + "/schema", value), violations);
                }
            }
        });
    }

    private void content(String where, String response, String method, Map<String, List<String>> headers, String body,
                         List<String> violations) {
        JsonNode content = document.at(response + "/content");
        if (content.isMissingNode() || content.isEmpty()) {
            if (!body.isEmpty()) {
                violations.add(where + " documents no body, but one was sent");
            }
            return;
        }
        Optional<String> actual = mediaType(headers);
        if (actual.isEmpty()) {
            violations.add(where + " documents a body but the response has no Content-Type");
            return;
        }
        List<String> documented = new ArrayList<>();
        content.fieldNames().forEachRemaining(documented::add);
        Optional<String> media = documented.stream().filter(candidate -> bare(candidate).equals(actual.get())).findFirst()
                .or(() -> documented.stream().filter(candidate -> covers(bare(candidate), actual.get())).findFirst());
        if (media.isEmpty()) {
            violations.add("Content-Type '" + actual.get() + "' is not documented for " + where + " (documented: "
                                   + String.join(", ", documented) + ")");
            return;
        }
        String schema = response + "/content/" + escape(media.get()) + "/schema";
        if (method.equalsIgnoreCase("HEAD") || document.at(schema).isMissingNode()) {
            return;
        }
        if (isJson(actual.get())) {
            validate(schema, "body", json(body, violations), violations);
        }
    }

    private void validate(String pointer, String what, Optional<String> json, List<String> violations) {
        if (json.isEmpty()) {
            return;
        }
        Schema schema = schemas.computeIfAbsent(pointer, key -> registry.getSchema(SchemaLocation.of(DOCUMENT_IRI + "#" + key)));
        schema.validate(json.get(), InputFormat.JSON)
                .forEach(error -> violations.add(what + " does not match " + pointer + ": " + error));
    }

    private static Optional<String> json(String body, List<String> violations) {
        try {
            JSON.readTree(body);
            return Optional.of(body);
        } catch (JsonProcessingException e) {
            violations.add("body is not JSON: " + e.getOriginalMessage());
            return Optional.empty();
        }
    }

    /** A header value as JSON: a number where the schema wants one and the text is one, else a string. */
    private Optional<String> headerJson(String schemaPointer, String value) {
        // 3.1: `type` is a name or a list of names.
        JsonNode type = document.at(resolve(schemaPointer)).path("type");
        List<String> types = new ArrayList<>();
        (type.isArray() ? type : JSON.createArrayNode().add(type)).forEach(name -> types.add(name.asText()));
        if ((types.contains("integer") || types.contains("number")) && NUMBER.matcher(value).matches()) {
            return Optional.of(value);
        }
        try {
            return Optional.of(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Follows $ref (within the document) to the object itself. */
    private String resolve(String pointer) {
        String current = pointer;
        for (int hops = 0; document.at(current).has("$ref"); hops++) {
            String ref = document.at(current).path("$ref").asText();
            if (!ref.startsWith("#/") || hops > 10) {
                throw new IllegalStateException("unsupported $ref " + ref + " at " + current);
            }
            current = ref.substring(1);
        }
        return current;
    }

    private static boolean matches(String template, String path) {
        String[] expected = template.split("/", -1);
        String[] actual = path.split("/", -1);
        if (expected.length != actual.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            boolean parameter = expected[i].startsWith("{") && expected[i].endsWith("}");
            if (parameter ? actual[i].isEmpty() : !expected[i].equals(actual[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean exempt(String path) {
        return EXEMPT.keySet().stream().anyMatch(prefix -> path.equals(prefix) || path.startsWith(prefix + "/"));
    }

    private static Optional<String> mediaType(Map<String, List<String>> headers) {
        return headers.getOrDefault("Content-Type", List.of()).stream().findFirst().map(ApiContract::bare);
    }

    private static String bare(String mediaType) {
        int parameters = mediaType.indexOf(';');
        return (parameters < 0 ? mediaType : mediaType.substring(0, parameters)).trim().toLowerCase(Locale.ROOT);
    }

    private static boolean covers(String range, String mediaType) {
        return range.equals("*/*") || range.endsWith("/*") && mediaType.startsWith(range.substring(0, range.length() - 1));
    }

    private static boolean isJson(String mediaType) {
        return mediaType.equals("application/json") || mediaType.endsWith("+json");
    }

    private static String escape(String pointerToken) {
        return pointerToken.replace("~", "~0").replace("/", "~1");
    }

    private static String shorten(String body) {
        return body.length() <= SHOWN_BODY ? body : body.substring(0, SHOWN_BODY) + "... (" + body.length() + " chars)";
    }

    private static ApiContract load() {
        try (InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(ApiDocs.DOCUMENT)) {
            if (in == null) {
                throw new IllegalStateException(ApiDocs.DOCUMENT + " is not on the classpath");
            }
            return new ApiContract(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
