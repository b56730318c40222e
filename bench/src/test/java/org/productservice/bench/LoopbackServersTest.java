package org.productservice.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.zip.GZIPOutputStream;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The OTLP sink and the JWKS server, over real HTTP on loopback. */
class LoopbackServersTest {
    private final HttpClient http = HttpClient.newHttpClient();

    // Protobuf wire format by hand: a length-delimited field is (number << 3 | 2), length, bytes.
    private static byte[] field(int number, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, (number << 3) | 2);
        varint(out, content.size());
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }

    private static byte[] varintField(int number, long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, number << 3);
        varint(out, value);
        return out.toByteArray();
    }

    private static byte[] fixed64Field(int number, long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, (number << 3) | 1);
        for (int i = 0; i < 8; i++) {
            out.write((int) (value >>> (8 * i)));
        }
        return out.toByteArray();
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A span as an exporter writes it: ids, name, kind, fixed64 timestamps, an attribute. */
    private static byte[] span(String name) {
        return field(2, field(1, new byte[16]), field(2, new byte[8]), field(5, text(name)), varintField(6, 2),
                     fixed64Field(7, 1_700_000_000_000_000_000L), fixed64Field(8, 1_700_000_000_001_000_000L),
                     field(9, field(1, text("http.request.method")), field(2, field(1, text("GET")))));
    }

    /** ExportTraceServiceRequest: two resources, three scopes, four spans in all. */
    private static byte[] exportOfFourSpans() {
        byte[] resource = field(1, field(1, field(1, text("service.name")), field(2, field(1, text("product-service")))));
        byte[] scope = field(1, field(1, text("io.helidon.tracing")), field(2, text("4.5.0")));
        byte[] first = field(1, resource, field(2, scope, span("GET /products/{id}"), span("DynamoDB.GetItem")),
                             field(2, scope), field(3, text("https://opentelemetry.io/schemas/1.24.0")));
        byte[] second = field(1, resource, field(2, scope, span("PUT /products/{id}"), span("DynamoDB.UpdateItem")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(first);
        out.writeBytes(second);
        return out.toByteArray();
    }

    private HttpResponse<String> post(OtlpSink sink, String type, String encoding, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(sink.endpoint() + "/v1/traces"))
                .header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (encoding != null) {
            request.header("Content-Encoding", encoding);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void sinkCountsSpansOfProtobufExports() throws Exception {
        byte[] export = exportOfFourSpans();
        try (OtlpSink sink = OtlpSink.start()) {
            assertThat(sink.endpoint()).startsWith("http://127.0.0.1:");

            HttpResponse<String> response = post(sink, "application/x-protobuf", null, export);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-protobuf");
            assertThat(response.body()).isEmpty();
            assertThat(sink.exports()).isEqualTo(1);
            assertThat(sink.bytes()).isEqualTo(export.length);
            assertThat(sink.spans()).isEqualTo(4);
            assertThat(sink.unreadable()).isZero();
        }
    }

    @Test
    void sinkReadsGzippedExports() throws Exception {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write(exportOfFourSpans());
        }
        try (OtlpSink sink = OtlpSink.start()) {
            assertThat(post(sink, "application/x-protobuf", "gzip", zipped.toByteArray()).statusCode()).isEqualTo(200);
            assertThat(post(sink, "application/x-protobuf", null, exportOfFourSpans()).statusCode()).isEqualTo(200);

            assertThat(sink.spans()).isEqualTo(8);
            assertThat(sink.exports()).isEqualTo(2);
            assertThat(sink.bytes()).isEqualTo(zipped.size() + exportOfFourSpans().length);
        }
    }

    @Test
    void sinkRejectsMalformedProtobufAndWrongMethods() throws Exception {
        byte[] export = exportOfFourSpans();
        byte[] truncated = java.util.Arrays.copyOf(export, export.length - 5);
        try (OtlpSink sink = OtlpSink.start()) {
            assertThat(post(sink, "application/x-protobuf", null, truncated).statusCode()).isEqualTo(400);
            assertThat(post(sink, "application/json", null, text("{\"resourceSpans\":[]}")).statusCode()).isEqualTo(200);
            HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(sink.endpoint() + "/v1/traces")).GET().build(),
                                                 HttpResponse.BodyHandlers.ofString());

            assertThat(get.statusCode()).isEqualTo(405);
            assertThat(get.headers().firstValue("Allow")).hasValue("POST");
            assertThat(sink.spans()).isZero();
            assertThat(sink.unreadable()).isEqualTo(2);
            assertThat(sink.exports()).isEqualTo(2);
        }
        assertThatThrownBy(() -> OtlpSink.countSpans(truncated)).isInstanceOf(IOException.class);
        assertThat(OtlpSink.countSpans(new byte[0])).isZero();
    }

    @Test
    void issuerServesItsKeyAndATokenThatVerifiesAgainstIt() throws Exception {
        try (JwtIssuer issuer = JwtIssuer.start()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(issuer.jwksUrl())).GET().build(),
                                                      HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/jwk-set+json");
            JWKSet served = JWKSet.parse(response.body());
            assertThat(served.getKeys()).hasSize(1);
            RSAKey key = served.getKeys().getFirst().toRSAKey();
            assertThat(key.isPrivate()).as("only the public half is served").isFalse();
            assertThat(response.body()).doesNotContain("\"d\"", "\"p\"", "\"q\"");
            assertThat(issuer.jwksRequests()).isEqualTo(1);

            SignedJWT jwt = SignedJWT.parse(issuer.token());
            assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
            assertThat(jwt.getHeader().getKeyID()).isEqualTo(key.getKeyID());
            assertThat(jwt.verify(new RSASSAVerifier(key))).isTrue();
            var claims = jwt.getJWTClaimsSet();
            assertThat(claims.getIssuer()).isEqualTo(issuer.issuer());
            assertThat(claims.getAudience()).containsExactly(JwtIssuer.AUDIENCE);
            assertThat(claims.getStringClaim("scope")).isEqualTo("products.read products.write");
            assertThat(claims.getExpirationTime()).isAfter(Date.from(Instant.now().plusSeconds(3_600)));
            assertThat(claims.getNotBeforeTime()).isBefore(new Date());
            assertThat(issuer.authorization()).isEqualTo("Bearer " + issuer.token());
            assertThat(issuer.serviceSettings()).containsExactly(
                    "-Dauth.mode=jwt", "-Dauth.issuer=" + issuer.issuer(), "-Dauth.jwks=" + issuer.jwksUrl(),
                    "-Dauth.audience=product-service");
        }
    }

    @Test
    void eachIssuerHasItsOwnKey() throws Exception {
        try (JwtIssuer a = JwtIssuer.start(); JwtIssuer b = JwtIssuer.start()) {
            RSAKey keyOfA = a.publicKeys().getKeys().getFirst().toRSAKey();

            assertThat(SignedJWT.parse(b.token()).verify(new RSASSAVerifier(keyOfA))).isFalse();
            assertThat(a.jwksUrl()).isNotEqualTo(b.jwksUrl());
        }
    }

    @Test
    void issuerAnswersOnlyReads() throws Exception {
        try (JwtIssuer issuer = JwtIssuer.start()) {
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(issuer.jwksUrl()))
                                                          .POST(HttpRequest.BodyPublishers.noBody()).build(),
                                                  HttpResponse.BodyHandlers.ofString());

            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(issuer.jwksRequests()).isZero();
        }
    }

    @Test
    void requestsCarryTheAuthorizationHeader() throws Exception {
        try (JwtIssuer issuer = JwtIssuer.start();
             var server = new EchoAuthorization()) {
            long before = HttpConnection.requestsSent();
            try (HttpConnection connection = new HttpConnection(server.port(), java.time.Duration.ofSeconds(5), issuer.authorization())) {
                HttpConnection.Response response = connection.send("GET", "/products/x", null, null, null);

                assertThat(response.status()).isEqualTo(200);
                assertThat(response.bodyText()).isEqualTo("Bearer " + issuer.token());
            }
            try (HttpConnection connection = new HttpConnection(server.port(), java.time.Duration.ofSeconds(5))) {
                assertThat(connection.send("GET", "/products/x", null, null, null).bodyText()).isEqualTo("none");
            }
            assertThat(HttpConnection.requestsSent() - before).isGreaterThanOrEqualTo(2);
        }
    }

    /** Answers each request with its Authorization header. */
    private static final class EchoAuthorization implements AutoCloseable {
        private final com.sun.net.httpserver.HttpServer server;

        EchoAuthorization() throws IOException {
            server = com.sun.net.httpserver.HttpServer.create(
                    new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                try (exchange) {
                    String value = exchange.getRequestHeaders().getFirst("Authorization");
                    byte[] body = text(value == null ? "none" : value);
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                }
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
