package org.productservice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A small HTTP client for the tests: real requests to a real server, JSON answers parsed. Every
 * answer of the API is checked against the OpenAPI document the service serves ({@link ApiContract});
 * one that breaks it fails the test. Requests are not checked: tests send bad ones on purpose.
 */
public final class Api {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final String base;
    private final Optional<ApiContract> contract;

    /**
     * Creates a client of the API: every response is checked against the OpenAPI document.
     *
     * @param port the API's port on localhost
     */
    public Api(int port) {
        this(port, Optional.of(ApiContract.get()));
    }

    private Api(int port, Optional<ApiContract> contract) {
        this.base = "http://127.0.0.1:" + port;
        this.contract = contract;
    }

    /**
     * Creates a client of the admin listener. Its answers are not checked against the OpenAPI
     * document: health and metrics are Helidon's observers, not operations of the API (the
     * document only says where they are).
     *
     * @param port the admin listener's port on localhost
     * @return the client
     */
    public static Api admin(int port) {
        return new Api(port, Optional.empty());
    }

    /**
     * Sends a request.
     *
     * @param method  HTTP method
     * @param path    path and query
     * @param body    body, or null for none
     * @param headers request headers (name, value, name, value...)
     * @return the response
     */
    public Response send(String method, String path, String body, String... headers) {
        return sendBytes(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
    }

    /**
     * Sends a request with a raw body (bytes that need not be valid UTF-8).
     *
     * @param method  HTTP method
     * @param path    path and query
     * @param body    body bytes, or null for none
     * @param headers request headers (name, value, name, value...)
     * @return the response
     */
    public Response sendBytes(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response;
        try {
            response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        contract.ifPresent(document -> document.check(method, path, response.statusCode(), response.headers().map(),
                                                      response.body()));
        return new Response(response);
    }

    /**
     * GET.
     *
     * @param path    path and query
     * @param headers headers
     * @return response
     */
    public Response get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    /**
     * POST of JSON to /products.
     *
     * @param json    body
     * @param headers extra headers
     * @return response
     */
    public Response create(String json, String... headers) {
        return send("POST", "/products", json, concat(headers, "Content-Type", "application/json"));
    }

    /**
     * Creates a product and returns its JSON, failing if the server did not answer 201.
     *
     * @param name        name
     * @param description description
     * @return the created product
     */
    public JsonNode createProduct(String name, String description) {
        ObjectNode body = JSON.createObjectNode().put("name", name).put("description", description);
        Response response = create(body.toString());
        if (response.status() != 201) {
            throw new AssertionError("create failed: " + response.status() + " " + response.body());
        }
        return response.json();
    }

    private static String[] concat(String[] headers, String... more) {
        String[] all = new String[headers.length + more.length];
        System.arraycopy(headers, 0, all, 0, headers.length);
        System.arraycopy(more, 0, all, headers.length, more.length);
        return all;
    }

    /**
     * JSON of an object, for request bodies.
     *
     * @param fields field name to value
     * @return JSON text
     */
    public static String json(Map<String, ?> fields) {
        try {
            return JSON.writeValueAsString(fields);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A response. */
    public static final class Response {
        private final HttpResponse<String> response;

        Response(HttpResponse<String> response) {
            this.response = response;
        }

        /**
         * Status code.
         *
         * @return status
         */
        public int status() {
            return response.statusCode();
        }

        /**
         * Body text.
         *
         * @return body
         */
        public String body() {
            return response.body();
        }

        /**
         * A header.
         *
         * @param name header name
         * @return its first value
         */
        public Optional<String> header(String name) {
            return response.headers().firstValue(name);
        }

        /**
         * The body as JSON.
         *
         * @return parsed body
         */
        public JsonNode json() {
            try {
                return JSON.readTree(response.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status() + "): " + response.body(), e);
            }
        }

        @Override
        public String toString() {
            return status() + " " + response.headers().map() + " " + body();
        }
    }
}
