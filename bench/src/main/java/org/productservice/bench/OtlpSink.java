package org.productservice.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A trace collector for {@code --tracing}: accepts OTLP/HTTP exports ({@code POST /v1/traces}) on
 * loopback, counts requests, bytes and spans, and answers 200 with an empty
 * {@code ExportTraceServiceResponse}, as a collector that keeps up would. Nothing is stored: the
 * point is what exporting costs the service, not the traces.
 *
 * <p>Spans are counted by walking the protobuf wire format of {@code ExportTraceServiceRequest}
 * (resource_spans = 1 → scope_spans = 2 → spans = 2) without generated classes: three nested
 * length-delimited fields are all it takes, and it keeps the OpenTelemetry protos out of the bench.
 */
final class OtlpSink implements AutoCloseable {
    static final String PATH = "/v1/traces";

    private final HttpServer server;
    private final AtomicLong exports = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong spans = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();

    private OtlpSink(HttpServer server) {
        this.server = server;
    }

    /**
     * Starts the sink on a free loopback port.
     *
     * @return the running sink
     * @throws IOException if it cannot bind
     */
    static OtlpSink start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        OtlpSink sink = new OtlpSink(server);
        server.createContext(PATH, sink::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return sink;
    }

    /** The base URL for {@code OTEL_EXPORTER_OTLP_ENDPOINT}; exporters append {@value #PATH}. */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    long exports() {
        return exports.get();
    }

    long bytes() {
        return bytes.get();
    }

    long spans() {
        return spans.get();
    }

    /** Export requests whose body was not OTLP protobuf (JSON: accepted; malformed: 400), spans not counted. */
    long unreadable() {
        return unreadable.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.getResponseHeaders().set("Allow", "POST");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            exports.incrementAndGet();
            bytes.addAndGet(body.length);
            String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (type == null || !type.startsWith("application/x-protobuf")) {
                // OTLP/JSON (or anything else): accepted and counted, spans not parsed.
                unreadable.incrementAndGet();
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            try {
                spans.addAndGet(countSpans("gzip".equalsIgnoreCase(encoding) ? gunzip(body) : body));
            } catch (IOException e) {
                // As a collector would: a malformed export is the client's fault, and not retryable.
                unreadable.incrementAndGet();
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            // An empty ExportTraceServiceResponse: zero bytes of protobuf, full success.
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
        }
    }

    private static byte[] gunzip(byte[] body) throws IOException {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
            return in.readAllBytes();
        }
    }

    /**
     * Spans in a serialized {@code ExportTraceServiceRequest}.
     *
     * @param message the protobuf bytes
     * @return the number of spans
     * @throws IOException if the bytes are not well-formed protobuf
     */
    static long countSpans(byte[] message) throws IOException {
        long count = 0;
        Wire request = new Wire(message, 0, message.length);
        while (request.more()) {
            int field = request.tag();
            if (field == 1) { // ResourceSpans
                Wire resourceSpans = request.embedded();
                while (resourceSpans.more()) {
                    if (resourceSpans.tag() == 2) { // ScopeSpans
                        Wire scopeSpans = resourceSpans.embedded();
                        while (scopeSpans.more()) {
                            if (scopeSpans.tag() == 2) { // Span
                                scopeSpans.embedded();
                                count++;
                            } else {
                                scopeSpans.skip();
                            }
                        }
                    } else {
                        resourceSpans.skip();
                    }
                }
            } else {
                request.skip();
            }
        }
        return count;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** A cursor over the fields of one protobuf message. */
    private static final class Wire {
        private final byte[] bytes;
        private final int end;
        private int position;
        private int wireType;

        Wire(byte[] bytes, int from, int end) {
            this.bytes = bytes;
            this.position = from;
            this.end = end;
        }

        boolean more() {
            return position < end;
        }

        /** Reads a field's key; returns its number and remembers its wire type. */
        int tag() throws IOException {
            long key = varint();
            wireType = (int) (key & 7);
            return (int) (key >>> 3);
        }

        /** The current field's value as a message (the field must be length-delimited). */
        Wire embedded() throws IOException {
            if (wireType != 2) {
                throw new IOException("Expected a length-delimited field, wire type " + wireType);
            }
            int length = length();
            Wire inner = new Wire(bytes, position, position + length);
            position += length;
            return inner;
        }

        void skip() throws IOException {
            switch (wireType) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new IOException("Unsupported wire type " + wireType);
            }
        }

        private int length() throws IOException {
            long length = varint();
            if (length < 0 || length > end - position) {
                throw new IOException("Field length " + length + " beyond the message");
            }
            return (int) length;
        }

        private void advance(int n) throws IOException {
            if (n > end - position) {
                throw new IOException("Truncated message");
            }
            position += n;
        }

        private long varint() throws IOException {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= end) {
                    throw new IOException("Truncated varint");
                }
                byte b = bytes[position++];
                value |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new IOException("Malformed varint");
        }
    }
}
