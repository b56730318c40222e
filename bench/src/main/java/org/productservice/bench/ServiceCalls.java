package org.productservice.bench;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import org.productservice.bench.HttpConnection.Response;
import org.productservice.bench.LoadRunner.Operation;
import org.productservice.bench.LoadRunner.Worker;

/** The API operations, sent to the service over HTTP, one connection per worker. */
final class ServiceCalls implements Operations {
    private static final String JSON = "application/json";
    private static final JsonFactory JSON_FACTORY = new JsonFactory();
    /** Names of created products: apart from the data set, so POSTs do not change its pages. */
    private static final int POST_NAMES = 100;

    private final int port;
    private final String authorization;
    private final Dataset data;

    ServiceCalls(ServiceProcess service, Dataset data) {
        this.port = service.port();
        this.authorization = service.authorization();
        this.data = data;
    }

    HttpConnection connect() {
        return new HttpConnection(port, Duration.ofSeconds(10), authorization);
    }

    @Override
    public Operation get() {
        return worker -> expect(worker.http().send("GET", "/products/" + data.id(worker.random().nextInt(data.size())),
                                                   null, null, null), 200);
    }

    @Override
    public Operation post() {
        return worker -> {
            byte[] body = ("{\"name\":\"" + postName(worker) + "\",\"description\":\"Created by the benchmark.\"}")
                    .getBytes(StandardCharsets.UTF_8);
            return expect(worker.http().send("POST", "/products", JSON, null, body), 201);
        };
    }

    @Override
    public Operation put() {
        return worker -> {
            int product = ownedProduct(worker, data);
            String target = "/products/" + data.id(product);
            byte[] body = ("{\"name\":\"" + data.name(product) + "\",\"description\":\"Replaced by the benchmark.\"}")
                    .getBytes(StandardCharsets.UTF_8);
            Response response = worker.http().send("PUT", target, JSON, "\"" + data.version(product) + "\"", body);
            if (response.status() == 200 && response.etag() != null) {
                data.version(product, version(response.etag()));
                return null;
            }
            if (response.status() == 412) {
                // Learn the current version so that one stale tag costs one error, not all that follow.
                Response current = worker.http().send("GET", target, null, null, null);
                if (current.etag() != null) {
                    data.version(product, version(current.etag()));
                }
            }
            return "status " + response.status() + ": " + response.bodyText();
        };
    }

    @Override
    public Operation query() {
        return worker -> expect(worker.http().send("GET", queryTarget(data.names().get(worker.random().nextInt(data.names().size())), null),
                                                   null, null, null), 200);
    }

    /** One fixed page (cursor) of one name. */
    Operation query(String name, String cursor) {
        String target = queryTarget(name, cursor);
        return worker -> expect(worker.http().send("GET", target, null, null, null), 200);
    }

    @Override
    public Operation list() {
        return list(null);
    }

    /** One fixed page (cursor) of the whole table. */
    Operation list(String cursor) {
        String target = "/products?limit=20" + (cursor == null ? "" : "&cursor=" + encode(cursor));
        return worker -> expect(worker.http().send("GET", target, null, null, null), 200);
    }

    /**
     * The cursor of page {@code page} (1-based), found by following next_cursor from page 1.
     *
     * @param name a name to query, or null for the whole table
     * @param page page number
     * @return the cursor, or null for page 1
     * @throws IOException on connection failures
     */
    String cursorOfPage(String name, int page) throws IOException {
        String cursor = null;
        try (HttpConnection http = connect()) {
            for (int i = 1; i < page; i++) {
                String target = name == null
                        ? "/products?limit=20" + (cursor == null ? "" : "&cursor=" + encode(cursor))
                        : queryTarget(name, cursor);
                Response response = http.send("GET", target, null, null, null);
                if (response.status() != 200) {
                    throw new IOException("GET " + target + " answered " + response.status() + ": " + response.bodyText());
                }
                cursor = nextCursor(response.body());
                if (cursor == null) {
                    throw new IllegalStateException("There is no page " + page + (name == null ? "" : " of " + name));
                }
            }
        }
        return cursor;
    }

    static String nextCursor(byte[] page) throws IOException {
        try (JsonParser parser = JSON_FACTORY.createParser(page)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("A page is a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals("next_cursor") && value == JsonToken.VALUE_STRING) {
                    return parser.getText();
                }
                parser.skipChildren();
            }
            return null;
        }
    }

    /** Names of created products, shared by both sides. */
    static String postName(Worker worker) {
        return "bench-post-" + worker.random().nextInt(POST_NAMES);
    }

    /**
     * A product only this worker updates: workers own disjoint slices of the data set, so a
     * worker always knows the current version and no PUT fails on a race between workers.
     */
    static int ownedProduct(Worker worker, Dataset data) {
        int owned = data.size() / worker.count();
        return worker.index() + worker.count() * worker.random().nextInt(owned);
    }

    private static String queryTarget(String name, String cursor) {
        return "/products?name=" + encode(name) + "&limit=20" + (cursor == null ? "" : "&cursor=" + encode(cursor));
    }

    private static long version(String etag) {
        String tag = etag.startsWith("W/") ? etag.substring(2) : etag;
        return Long.parseLong(tag.substring(1, tag.length() - 1));
    }

    private static String expect(Response response, int status) {
        return response.status() == status ? null : "status " + response.status() + ": " + response.bodyText();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
