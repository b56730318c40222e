package org.productservice.docs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import org.productservice.http.Problems;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * The API's documentation, served by the service itself and usable offline: the OpenAPI 3.1
 * document at {@code /openapi} (YAML, or JSON for {@code Accept: application/json}) and Swagger
 * UI at {@code /docs}, from the swagger-ui webjar on the classpath ({@link SwaggerUiFiles}).
 *
 * <p>The document is a hand-written file ({@code openapi.yaml}); a test checks it against the
 * routes the service registers, both ways, so it cannot silently drift.
 *
 * <p>The documentation shares the API's port and its concurrency permits, and Swagger UI's bundle
 * is large (1.7 MB): clients that fetch it slowly would each hold a permit while it is written.
 * So the docs have a small budget of their own ({@code docs.concurrency}, {@link #budget()}):
 * beyond it they answer 503 at once, and the API's other permits stay free whatever the docs see.
 */
public final class ApiDocs {
    /** Classpath location of the OpenAPI document. */
    public static final String DOCUMENT = "openapi.yaml";

    private static final String WEBJAR_PROPERTIES = "META-INF/maven/org.webjars/swagger-ui/pom.properties";
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";
    // validatorUrl "none": on any host but localhost Swagger UI would otherwise load a badge image
    // from validator.swagger.io, sending it the document's URL; the CSP refuses it anyway.
    private static final String INITIALIZER = """
            window.onload = function () {
              window.ui = SwaggerUIBundle({
                url: "/openapi",
                validatorUrl: "none",
                dom_id: "#swagger-ui",
                deepLinking: true,
                presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
                layout: "StandaloneLayout"
              });
            };
            """;

    private final byte[] yaml;
    private final byte[] json;
    private final String swaggerUiRoot;
    private final Semaphore budget;
    private final String retryAfter;

    private ApiDocs(byte[] yaml, byte[] json, String swaggerUiRoot, int concurrency, Duration retryAfter) {
        this.yaml = yaml;
        this.json = json;
        this.swaggerUiRoot = swaggerUiRoot;
        this.budget = new Semaphore(concurrency);
        this.retryAfter = Long.toString(Math.max(1, retryAfter.toSeconds()));
    }

    /**
     * Loads the document (once; it is served from memory) and finds the Swagger UI webjar.
     *
     * @param concurrency documentation requests served at once ({@code docs.concurrency})
     * @param retryAfter  Retry-After of the 503 beyond that
     * @return the docs
     */
    public static ApiDocs load(int concurrency, Duration retryAfter) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("docs.concurrency (DOCS_CONCURRENCY) must be positive");
        }
        ClassLoader loader = ApiDocs.class.getClassLoader();
        byte[] yaml = read(loader, DOCUMENT);
        Object model = new Yaml(new SafeConstructor(new LoaderOptions())).load(new String(yaml, StandardCharsets.UTF_8));
        byte[] json = toJson(model);
        // The webjar's version is part of its resource path; read it so a dependency bump needs no code change.
        Properties webjar = new Properties();
        try (InputStream in = loader.getResourceAsStream(WEBJAR_PROPERTIES)) {
            if (in == null) {
                throw new IllegalStateException("swagger-ui webjar is not on the classpath");
            }
            webjar.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ApiDocs(yaml, json, "META-INF/resources/webjars/swagger-ui/" + webjar.getProperty("version"),
                           concurrency, retryAfter);
    }

    /**
     * The docs' own concurrency budget, as a filter of the API's routing: a request for
     * {@code /docs} or {@code /openapi} beyond {@code docs.concurrency} at once gets 503 with
     * Retry-After at once; every other request passes untouched.
     *
     * @return the filter
     */
    public Filter budget() {
        return this::withinBudget;
    }

    private void withinBudget(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (!path.startsWith("/docs") && !path.startsWith("/openapi")) {
            chain.proceed();
            return;
        }
        if (!budget.tryAcquire()) {
            res.header(HeaderNames.RETRY_AFTER, retryAfter);
            Problems.send(req, res, Status.SERVICE_UNAVAILABLE_503,
                          "The documentation is being served to too many clients at once. Retry later.", List.of());
            return;
        }
        try {
            chain.proceed();
        } finally {
            budget.release();
        }
    }

    /**
     * Adds {@code /openapi} and {@code /docs} to a routing.
     *
     * @param routing routing builder
     */
    public void register(HttpRouting.Builder routing) {
        SwaggerUiFiles files = new SwaggerUiFiles(swaggerUiRoot);
        routing.any("/docs", ApiDocs::contentSecurityPolicy)
                .any("/docs/*", ApiDocs::contentSecurityPolicy)
                // HEAD answers as GET does; the connection's send listener drops the body.
                .get("/openapi", this::document)
                .head("/openapi", this::document)
                .get("/docs", ApiDocs::toDirectory)
                .head("/docs", ApiDocs::toDirectory)
                .get("/docs/swagger-initializer.js", ApiDocs::initializer)
                .head("/docs/swagger-initializer.js", ApiDocs::initializer)
                .get("/docs/", files)
                .head("/docs/", files)
                .get("/docs/{file}", files)
                .head("/docs/{file}", files);
    }

    /** Swagger UI's page loads its assets relative to the directory. */
    private static void toDirectory(ServerRequest req, ServerResponse res) {
        res.status(Status.MOVED_PERMANENTLY_301).header(HeaderNames.LOCATION, "/docs/").send();
    }

    private static void initializer(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/javascript; charset=UTF-8");
        res.send(INITIALIZER);
    }

    /**
     * Swagger UI loads only its own files and the document from this origin, and may not be framed
     * (clickjacking); its inline styles need 'unsafe-inline' for styles only, never scripts.
     */
    private static void contentSecurityPolicy(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.create("Content-Security-Policy"), CONTENT_SECURITY_POLICY);
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.next();
    }

    private void document(ServerRequest req, ServerResponse res) {
        boolean wantsJson = req.headers().acceptedTypes().stream()
                .findFirst()
                .map(HttpMediaType::mediaType)
                .map(type -> type.subtype().equals("json"))
                .orElse(false);
        if (wantsJson) {
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(json);
        } else {
            res.header(HeaderNames.CONTENT_TYPE, "application/yaml");
            res.send(yaml);
        }
    }

    /**
     * The YAML document as JSON. Written with the streaming generator rather than an
     * ObjectMapper: databind's set-up would be most of the service's start-up cost for this.
     */
    static byte[] toJson(Object yamlDocument) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32_768);
        try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
            write(json, yamlDocument);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    // SafeConstructor yields maps, lists, strings, booleans, numbers and nulls only.
    private static void write(JsonGenerator json, Object node) throws IOException {
        switch (node) {
            case null -> json.writeNull();
            case Map<?, ?> map -> {
                json.writeStartObject();
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    json.writeFieldName(String.valueOf(entry.getKey()));
                    write(json, entry.getValue());
                }
                json.writeEndObject();
            }
            case List<?> list -> {
                json.writeStartArray();
                for (Object item : list) {
                    write(json, item);
                }
                json.writeEndArray();
            }
            case Boolean bool -> json.writeBoolean(bool);
            case Integer number -> json.writeNumber(number);
            case Long number -> json.writeNumber(number);
            case BigInteger number -> json.writeNumber(number);
            case Double number -> json.writeNumber(number);
            default -> json.writeString(node.toString());
        }
    }

    private static byte[] read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
