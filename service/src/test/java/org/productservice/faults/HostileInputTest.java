package org.productservice.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.productservice.testing.Api;
import org.productservice.testing.ApiContract;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-based: generated malformed and hostile bodies, headers, ids and query parameters,
 * sent as raw bytes (so that nothing is cleaned up by an HTTP client on the way). Every answer
 * must be a 4xx problem+json, never a 5xx, and the stored data must stay exactly as it was.
 *
 * <p>The cases come from a seeded generator; the seed is printed and in every case's name.
 * Reproduce a run with {@code -Dfuzz.seed=<seed>}; {@code -Dfuzz.cases=<n>} sets the number of
 * cases per kind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {
    private static final long SEED = Long.getLong("fuzz.seed", System.currentTimeMillis());
    private static final int CASES = Integer.getInteger("fuzz.cases", 60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VALID_BODY = "{\"name\": \"fine\", \"description\": \"fine\"}";

    private RunningService service;
    private final Map<String, JsonNode> seeds = new LinkedHashMap<>();

    @BeforeAll
    void startServiceWithSeedProducts() {
        System.out.println("HostileInputTest: -Dfuzz.seed=" + SEED);
        service = RunningService.start(TestEngine.get().endpoint(), Map.of());
        for (int i = 0; i < 3; i++) {
            JsonNode product = service.api().createProduct("seed-" + i, "must never change");
            seeds.put(product.path("id").asText(), product);
        }
    }

    @AfterAll
    void storedDataIsExactlyTheSeedProducts() {
        try {
            Api.Response all = service.api().get("/products?limit=100");
            assertThat(all.status()).isEqualTo(200);
            List<JsonNode> items = new ArrayList<>();
            all.json().path("items").forEach(items::add);
            assertThat(items).as("stored products after the hostile requests (seed %d)", SEED)
                    .containsExactlyInAnyOrderElementsOf(seeds.values());
        } finally {
            service.close();
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostileBodies")
    void hostileBodiesAre4xxProblemsAndChangeNothing(Case hostile) {
        check(hostile);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostileHeaders")
    void hostileHeadersAre4xxProblemsAndChangeNothing(Case hostile) {
        check(hostile);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostileIds")
    void hostileIdsAre4xxProblemsAndChangeNothing(Case hostile) {
        check(hostile);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostileQueries")
    void hostileQueryParametersAre4xxProblems(Case hostile) {
        check(hostile);
    }

    private void check(Case hostile) {
        String target = List.copyOf(seeds.keySet()).get(Math.floorMod(hostile.name().hashCode(), seeds.size()));
        byte[] request = hostile.request(target);
        RawResponse response = RawResponse.exchange(service.port(), request);
        String context = hostile.name() + " (seed " + SEED + ") -> " + response;
        // The request line as sent: a hostile target is checked as the path it names, like any other.
        String[] requestLine = new String(request, StandardCharsets.ISO_8859_1).split("\r\n", 2)[0].split(" ", 3);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        response.headers().forEach((name, value) -> headers.put(name, List.of(value)));
        ApiContract.get().check(requestLine[0], requestLine[1], response.status(), headers, response.body());
        assertThat(response.status()).as(context).isBetween(400, 499);
        assertThat(response.header("content-type")).as(context).startsWith("application/problem+json");
        JsonNode problem;
        try {
            problem = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("problem body is not JSON: " + context, e);
        }
        assertThat(problem.path("status").asInt()).as(context).isEqualTo(response.status());
        assertThat(problem.path("title").asText()).as(context).isNotBlank();
        assertThat(problem.path("request_id").asText()).as(context).isNotBlank().isEqualTo(response.header("x-request-id"));
        assertThat(response.body()).as(context).doesNotContain("Exception").doesNotContain("\tat ");

        Api.Response stored = service.api().get("/products/" + target);
        assertThat(stored.status()).as("seed after %s", context).isEqualTo(200);
        assertThat(stored.json()).as("seed after %s", context).isEqualTo(seeds.get(target));
    }

    // ---- generators -------------------------------------------------------------------------

    static Stream<Case> hostileBodies() {
        Random random = new Random(SEED);
        List<Function<Random, byte[]>> kinds = List.of(
                r -> truncated(r),
                r -> randomBytes(r, 1 + r.nextInt(200)),
                r -> ascii("[".repeat(1000 + r.nextInt(50_000))),
                r -> ascii("{\"name\": " + "[".repeat(2000 + r.nextInt(5000)) + "}"),
                r -> ascii("{\"name\": " + wrongType(r) + ", \"description\": \"ok\"}"),
                r -> ascii("{\"name\": \"ok\", \"description\": " + wrongType(r) + "}"),
                r -> utf8("{\"name\": \"" + "n".repeat(201 + r.nextInt(800)) + "\", \"description\": \"ok\"}"),
                r -> utf8("{\"name\": \"ok\", \"description\": \"" + "😀".repeat(2001 + r.nextInt(500)) + "\"}"),
                r -> ascii("{\"name\": \"ok\", \"description\": \"" + "d".repeat(70_000) + "\"}"),
                r -> ascii("{\"name\": \"a" + pick(r, "\\ud800", "\\udfff", "\\ud800x", "\\udbff\\ud800") + "\", \"description\": \"ok\"}"),
                r -> ascii("{\"name\": \"ok\", \"description\": \"" + pick(r, "\\ud83d", "\\ude00z") + "\"}"),
                r -> ascii("{\"name\": \"a\\u00" + HexFormat.of().toHexDigits((byte) r.nextInt(32)) + "b\", \"description\": \"ok\"}"),
                r -> concat(ascii("{\"name\": \"a"), invalidUtf8(r), ascii("\", \"description\": \"ok\"}")),
                r -> ascii("{\"name\": \"ok\", \"description\": \"ok\", \""
                                   + pick(r, "id", "version", "created_at", "updated_at", "price", "__proto__", "") + "\": 1}"),
                r -> ascii("{\"name\": \"ok\", \"name\": \"again\", \"description\": \"ok\"}"),
                r -> utf8("{\"name\": \"" + pick(r, "", " ", "\\t\\n", "\u2003\u3000", "   ") + "\", \"description\": \"ok\"}"),
                r -> ascii(pick(r, "null", "true", "1e999999", "\"text\"", "[]", "{}x", "{\"name\":\"a\",\"description\":\"b\"}{}",
                                "{'name': 'a', 'description': 'b'}", "{\"name\": \"a\" \"description\": \"b\"}")));
        return IntStream.range(0, CASES).mapToObj(i -> {
            int kind = random.nextInt(kinds.size());
            byte[] body = kinds.get(kind).apply(random);
            int method = random.nextInt(3);
            String summary = "body kind " + kind + " " + preview(body);
            return switch (method) {
                case 0 -> new Case("POST " + summary, id -> request("POST", "/products", body, "Content-Type", "application/json"));
                case 1 -> new Case("PUT " + summary, id -> request("PUT", "/products/" + id, body, "Content-Type", "application/json",
                                                                 "If-Match", "\"1\""));
                default -> new Case("PATCH " + summary, id -> request("PATCH", "/products/" + id, body,
                                                                      "Content-Type", "application/merge-patch+json",
                                                                      "If-Match", "\"1\""));
            };
        });
    }

    static Stream<Case> hostileHeaders() {
        Random random = new Random(SEED + 1);
        byte[] valid = ascii(VALID_BODY);
        List<Function<Random, Case>> kinds = List.of(
                r -> {
                    String type = pick(r, "text/plain", "application/json; charset=latin1", "application/jsonx", "json",
                                       "application/json, text/plain", "application/*", "*/*", ";;;", "application/json;charset",
                                       "application/json; charset=\"", "\u0000", "application/x-www-form-urlencoded",
                                       "multipart/form-data; boundary=x", randomToken(r));
                    return new Case("POST Content-Type " + type, id -> request("POST", "/products", valid, "Content-Type", type));
                },
                r -> {
                    byte[] type = concat(ascii("application/json; charset="), invalidUtf8(r));
                    return new Case("PUT Content-Type obs-text " + preview(type),
                                    id -> request("PUT", "/products/" + id, valid, "Content-Type", type, "If-Match", ascii("\"1\"")));
                },
                r -> {
                    String tag = pick(r, "\"2\"", "W/\"1\"", "\"01\"", "1", "\"1", "1\"", "\"1\", \"1\"", "\"1\",\"2\"", "\"\"",
                                      "\"99999999999999999999999999\"", "\"-1\"", "\"1.0\"", "*, \"1\"", "\" 1\"", randomToken(r));
                    return new Case("PUT If-Match " + tag, id -> request("PUT", "/products/" + id, valid,
                                                                        "Content-Type", "application/json", "If-Match", tag));
                },
                r -> {
                    String tag = pick(r, "\"2\"", "W/\"1\"", "garbage", "\"1\",\"2\"");
                    return new Case("DELETE If-Match " + tag, id -> request("DELETE", "/products/" + id, null, "If-Match", tag));
                },
                r -> {
                    String key = pick(r, "", " ", "a b", "x".repeat(129 + r.nextInt(1000)), "tab\there", "k\u007f");
                    return new Case("POST Idempotency-Key '" + key.substring(0, Math.min(20, key.length())) + "'",
                                    id -> request("POST", "/products", valid, "Content-Type", "application/json",
                                                  "Idempotency-Key", key));
                },
                r -> {
                    byte[] key = concat(ascii("key-"), invalidUtf8(r));
                    return new Case("POST Idempotency-Key obs-text", id -> request("POST", "/products", valid,
                                                                                   "Content-Type", ascii("application/json"),
                                                                                   "Idempotency-Key", key));
                },
                r -> new Case("POST two Idempotency-Keys", id -> request("POST", "/products", valid, "Content-Type", "application/json",
                                                                         "Idempotency-Key", "one", "Idempotency-Key", "two")));
        return IntStream.range(0, CASES).mapToObj(i -> kinds.get(random.nextInt(kinds.size())).apply(random));
    }

    static Stream<Case> hostileIds() {
        Random random = new Random(SEED + 2);
        byte[] valid = ascii(VALID_BODY);
        List<Function<Random, Function<String, String>>> kinds = List.of(
                r -> id -> id.substring(0, 1 + r.nextInt(id.length() - 1)),
                r -> id -> id + pick(r, "0", "-", "x", "%00", "%20", "%2e", "!", "~"),
                r -> id -> "{" + id + "}",
                r -> id -> id.replace('-', pick(r, "_", ":", "%2D", "").isEmpty() ? '.' : '_'),
                r -> id -> id.substring(0, 8) + pick(r, "%zz", "%", "%C0%AF", "%ED%A0%80", "%FF", "%00", "%0D%0A") + id.substring(9),
                // No pure dot segments ("." or "..") and no lone encoded slash: the server normalises
                // them (RFC 3986), so /products/.. or /products/%2F is a request for the list, and a
                // GET of it rightly answers 200.
                r -> id -> pick(r, "...", "null", "undefined", "0", "-1", "1e9", "%u0041", "NaN"),
                r -> id -> notADotSegment(randomToken(r).repeat(1 + r.nextInt(300))),
                r -> id -> id.replace(id.charAt(r.nextInt(8)), pick(r, "g", "z", "G", "Z").charAt(0)));
        return IntStream.range(0, CASES).mapToObj(i -> {
            Function<String, String> mutate = kinds.get(random.nextInt(kinds.size())).apply(random);
            String method = pick(random, "GET", "PUT", "PATCH", "DELETE");
            return new Case(method + " hostile id #" + i, id -> {
                String path = "/products/" + mutate.apply(id);
                return switch (method) {
                    case "PUT" -> request(method, path, valid, "Content-Type", "application/json");
                    case "PATCH" -> request(method, path, valid, "Content-Type", "application/merge-patch+json");
                    default -> request(method, path, null);
                };
            });
        });
    }

    static Stream<Case> hostileQueries() {
        Random random = new Random(SEED + 3);
        List<Function<Random, String>> kinds = List.of(
                r -> "limit=" + pick(r, "0", "101", "-1", "1e3", "", "%EF%BC%91", "99999999999999", "1.5", "0x10", "%zz", "+5", " 5"),
                r -> "order=" + pick(r, "ASC", "up", "", "%zz", "desc%00") + "&name=x",
                r -> "order=asc",
                r -> "name=" + pick(r, "", "%20%20", "%01", "%7F", "n".repeat(201 + r.nextInt(500)), "%09"),
                r -> pick(r, "foo=bar", "LIMIT=1", "cursor=&cursor=", "limit=1&limit=2", "name=a&name=b", "=x", "&&&=&"),
                r -> "cursor=" + pick(r, "x", "%zz", "a.b", ".", "AAAA.AAAA", randomToken(r), "x".repeat(513 + r.nextInt(2000))),
                r -> "cursor=" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                        (java.util.UUID.randomUUID() + "|" + r.nextLong()).getBytes(StandardCharsets.UTF_8)) + "."
                        + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(r, 16)));
        return IntStream.range(0, CASES).mapToObj(i -> {
            String query = kinds.get(random.nextInt(kinds.size())).apply(random);
            return new Case("GET /products?" + (query.length() > 60 ? query.substring(0, 60) + "..." : query),
                            id -> request("GET", "/products?" + query, null));
        });
    }

    // ---- generator helpers ------------------------------------------------------------------

    private static byte[] truncated(Random random) {
        byte[] whole = ascii(VALID_BODY);
        byte[] part = new byte[1 + random.nextInt(whole.length - 1)];
        System.arraycopy(whole, 0, part, 0, part.length);
        return part;
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        if (bytes[0] == '{' || bytes[0] == (byte) 0xEF) {
            bytes[0] = '#';
        }
        return bytes;
    }

    private static String wrongType(Random random) {
        return pick(random, "1", "-0", "1e400", "123456789012345678901234567890", "true", "null", "[]", "[\"a\"]", "{}",
                    "{\"x\": \"y\"}");
    }

    private static byte[] invalidUtf8(Random random) {
        byte[][] choices = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                            {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};
        return choices[random.nextInt(choices.length)];
    }

    /**
     * The server normalises "." and ".." away (RFC 3986) and reads what follows a ";" as path
     * parameters: such a segment is empty, so the request names the list, legitimately.
     */
    private static String notADotSegment(String segment) {
        return segment.equals(".") || segment.equals("..") || segment.startsWith(";") ? "x" + segment : segment;
    }

    private static String randomToken(Random random) {
        String alphabet = "abcXYZ019-_.~!$&'()*+,;=:@%";
        StringBuilder token = new StringBuilder();
        for (int i = 0, n = 1 + random.nextInt(12); i < n; i++) {
            token.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return token.toString();
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static String preview(byte[] bytes) {
        String text = new String(bytes, 0, Math.min(bytes.length, 40), StandardCharsets.ISO_8859_1)
                .replaceAll("[^\\x20-\\x7e]", "?");
        return "'" + text + (bytes.length > 40 ? "...' (" + bytes.length + " bytes)" : "'");
    }

    /** An HTTP/1.1 request as bytes; header values are Strings (ISO-8859-1) or raw byte arrays. */
    private static byte[] request(String method, String target, byte[] body, Object... headers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ascii(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"));
        for (int i = 0; i < headers.length; i += 2) {
            out.writeBytes(ascii(headers[i] + ": "));
            out.writeBytes(headers[i + 1] instanceof byte[] raw ? raw : ascii((String) headers[i + 1]));
            out.writeBytes(ascii("\r\n"));
        }
        if (body != null) {
            out.writeBytes(ascii("Content-Length: " + body.length + "\r\n\r\n"));
            out.writeBytes(body);
        } else {
            out.writeBytes(ascii("\r\n"));
        }
        return out.toByteArray();
    }

    /**
     * One generated request, given the id of a stored product to aim at.
     *
     * @param name    what it is, for the report
     * @param request its bytes for a product id
     */
    record Case(String name, Function<String, byte[]> requestFor) {
        byte[] request(String id) {
            return requestFor.apply(id);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A response read off a raw socket (Connection: close, so the body ends at end of stream). */
    record RawResponse(int status, Map<String, String> headers, String body) {
        static RawResponse exchange(int port, byte[] request) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                socket.setSoTimeout(5_000);
                OutputStream out = socket.getOutputStream();
                try {
                    out.write(request);
                    out.flush();
                } catch (IOException refusedMidRequest) {
                    // The server may answer (e.g. 413) and close before reading everything: read what it said.
                }
                InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                try {
                    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                        int b = in.read();
                        if (b < 0) {
                            throw new AssertionError("connection closed without a complete answer: '" + head + "'");
                        }
                        head.write(b);
                    }
                    RawResponse response = parse(head.toString(StandardCharsets.UTF_8));
                    String length = response.header("content-length");
                    byte[] body;
                    if (!length.isEmpty()) {
                        body = in.readNBytes(Integer.parseInt(length));
                    } else if ("chunked".equalsIgnoreCase(response.header("transfer-encoding"))) {
                        body = dechunk(in);
                    } else {
                        body = in.readAllBytes();
                    }
                    return new RawResponse(response.status(), response.headers(), new String(body, StandardCharsets.UTF_8));
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionError("no complete answer within 5 s; got: '" + head + "'", e);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static RawResponse parse(String text) {
            int end = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.1 ") || end < 0) {
                throw new AssertionError("not an HTTP response: '" + text + "'");
            }
            String[] lines = text.substring(0, end).split("\r\n");
            int status = Integer.parseInt(lines[0].substring(9, 12));
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.putIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
            }
            return new RawResponse(status, headers, "");
        }

        private static byte[] dechunk(InputStream in) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                StringBuilder line = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0 && b != '\n') {
                    line.append((char) b);
                }
                int size = Integer.parseInt(line.toString().strip(), 16);
                if (size == 0) {
                    return body.toByteArray();
                }
                body.writeBytes(in.readNBytes(size));
                in.readNBytes(2);
            }
        }

        String header(String name) {
            return headers.getOrDefault(name, "");
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + (body.length() > 300 ? body.substring(0, 300) + "..." : body);
        }
    }
}
