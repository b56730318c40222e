package org.productservice.server;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.common.task.InterruptableTask;
import io.helidon.http.BadRequestException;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * The HTTP/1 connections of a listener, served by Helidon's own HTTP/1 connection, through a
 * reader that shows what Helidon 4.5.0 parses away or never checks:
 * <ul>
 *     <li>the request line's raw method: Helidon upper-cases {@code get} into {@code GET}, while
 *     methods are case-sensitive (RFC 9110 9.1); {@link RequestChecks} refuses it with 501;</li>
 *     <li>the two bytes after a chunk's data: Helidon skips them unseen, so a chunk with more data
 *     than its size said went on as if framed, until a 408; here it is a 400 at once;</li>
 *     <li>HTTP/1.0: Helidon answers no HTTP/1.0 request line (its HTTP/1 selector claims
 *     {@code HTTP/1.1} only, and its parser refuses 1.0). Here the first request line of such a
 *     connection is passed on as HTTP/1.1 with {@code Connection: close} (and a {@code Host}
 *     when it had none, which 1.0 allows): the answer is an HTTP/1.1 response that closes the
 *     connection, as RFC 9110 2.5 and RFC 9112 9.3 permit for a 1.0 client.</li>
 * </ul>
 * It also keeps the current request's line per connection ({@link #current()}), for the answers
 * Helidon gives outside routing (the concurrency limiter's 503 carries no request).
 *
 * <p>Registered as a listener's first connection selector; it declines request lines of other
 * versions, which {@link UnparseableRequests} answers.
 */
public final class Http1Wire implements ServerConnectionSelector {
    private static final ThreadLocal<WireContext> CURRENT = new ThreadLocal<>();
    private static final String HTTP_1_1 = " HTTP/1.1\r";
    private static final String HTTP_1_0 = " HTTP/1.0\r";
    private static final byte[] CRLF = {'\r', '\n'};

    private final Http1ConnectionSelector http1;
    private final int maxRequestLine;
    private final int maxHead;

    /**
     * Creates the selector.
     *
     * @param config the listener's HTTP/1 configuration (the same as its protocol's)
     */
    public Http1Wire(Http1Config config) {
        this.http1 = Http1ConnectionSelector.builder().config(config).build();
        this.maxRequestLine = config.maxPrologueLength();
        this.maxHead = config.maxPrologueLength() + config.maxHeadersSize();
    }

    /**
     * The request being served on this thread's connection, if its answer has not started yet.
     *
     * @return its request line and start time
     */
    public static Optional<WireRequest> current() {
        WireContext wire = CURRENT.get();
        return wire == null || wire.prologue == null ? Optional.empty() : Optional.of(wire.request());
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData request) {
        int lf = request.indexOf((byte) '\n');
        if (lf == -1) {
            // Not a whole line yet: ours, as Helidon's HTTP/1 selector would claim it; its parser answers
            // a line that turns out too long.
            return request.available() <= maxRequestLine ? Support.SUPPORTED : Support.UNSUPPORTED;
        }
        String line = request.readString(lf);
        return line.endsWith(HTTP_1_1) || line.endsWith(HTTP_1_0) ? Support.SUPPORTED : Support.UNSUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return Set.of();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        Source source = new Source(ctx, maxRequestLine, maxHead);
        WireContext wire = new WireContext(ctx, new WireReader(source), source);
        ServerConnection connection = http1.connection(wire);
        return new WireConnection(wire, connection, (InterruptableTask<?>) connection);
    }

    @Override
    public String toString() {
        return "http/1 wire checks";
    }

    /**
     * A request as read from the wire.
     *
     * @param prologue   its request line as Helidon parsed it
     * @param startNanos when it was read ({@link System#nanoTime()})
     */
    public record WireRequest(HttpPrologue prologue, long startNanos) {
    }

    /** What is sent of the current answer's bytes. */
    enum Body {
        /** Everything. */
        SEND,
        /** The head only: an answer to HEAD whose head is still to come. */
        AFTER_HEAD,
        /** Nothing more: the rest of an answer to HEAD. */
        DROP
    }

    /**
     * A connection's context as Helidon's own, with the checking reader and the current request.
     * Fields are used on the connection's thread only.
     */
    static final class WireContext implements ConnectionContext {
        private final ConnectionContext delegate;
        private final WireReader reader;
        private final Source source;
        private HttpPrologue prologue;
        private long startNanos;
        private boolean headRequest;
        private boolean unchunk;
        private Body body = Body.SEND;

        private WireContext(ConnectionContext delegate, WireReader reader, Source source) {
            this.delegate = delegate;
            this.reader = reader;
            this.source = source;
        }

        /** Whether the client speaks HTTP/1.0 (its request was passed on as HTTP/1.1). */
        boolean http10() {
            return source.http10;
        }

        void started(HttpPrologue requestLine) {
            this.prologue = requestLine;
            this.startNanos = System.nanoTime();
            this.headRequest = requestLine.method() == Method.HEAD;
            this.body = Body.SEND;
        }

        /**
         * The current request's answer starts: errors later on the connection belong to no known
         * request, and a HEAD request's answer loses its body.
         */
        void answering() {
            this.prologue = null;
            this.body = headRequest ? Body.AFTER_HEAD : Body.SEND;
        }

        boolean unchunk() {
            return unchunk;
        }

        void unchunk(boolean unchunk) {
            this.unchunk = unchunk;
        }

        void methodRefused() {
            this.headRequest = false;
        }

        Body body() {
            return body;
        }

        void bodyDropped() {
            this.body = Body.DROP;
        }

        HttpPrologue prologue() {
            return prologue;
        }

        WireRequest request() {
            return new WireRequest(prologue, startNanos);
        }

        /** The bytes of the last request line as the client sent them (null before the first). */
        byte[] lastRequestLine() {
            return reader.lastBytes;
        }

        @Override
        public ListenerContext listenerContext() {
            return delegate.listenerContext();
        }

        @Override
        public ExecutorService executor() {
            return delegate.executor();
        }

        @Override
        public DataWriter dataWriter() {
            return delegate.dataWriter();
        }

        @Override
        public DataReader dataReader() {
            return reader;
        }

        @Override
        public Router router() {
            return delegate.router();
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            return delegate.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return delegate.serverSocket();
        }

        @Override
        public PeerInfo remotePeer() {
            return delegate.remotePeer();
        }

        @Override
        public PeerInfo localPeer() {
            return delegate.localPeer();
        }

        @Override
        public boolean isSecure() {
            return delegate.isSecure();
        }

        @Override
        public String socketId() {
            return delegate.socketId();
        }

        @Override
        public String childSocketId() {
            return delegate.childSocketId();
        }
    }

    /**
     * Helidon's reader, remembering the last bytes read with {@link #readBytes} (at the receive
     * listener's {@code prologue} callback: the request line) and checking the CRLF after each
     * chunk's data (the only {@code skip(2)} that follows a {@code readBuffer(n)}).
     */
    static final class WireReader extends DataReader {
        private byte[] lastBytes;
        private boolean afterData;

        private WireReader(Supplier<byte[]> source) {
            super(source);
        }

        @Override
        public byte[] readBytes(int len) {
            afterData = false;
            byte[] bytes = super.readBytes(len);
            lastBytes = bytes;
            return bytes;
        }

        @Override
        public BufferData readBuffer(int length) {
            BufferData data = super.readBuffer(length);
            afterData = true;
            return data;
        }

        @Override
        public int available() {
            afterData = false;
            return super.available();
        }

        @Override
        public int findNewLine(int max) {
            afterData = false;
            return super.findNewLine(max);
        }

        @Override
        public void skip(int lenToSkip) {
            if (afterData) {
                afterData = false;
                if (lenToSkip == 2 && !startsWith(CRLF)) {
                    throw new BadRequestException("A chunk of the request body has more data than its size says.");
                }
            }
            super.skip(lenToSkip);
        }
    }

    /**
     * The bytes of the connection, from Helidon's reader (which holds what the selectors looked at);
     * an HTTP/1.0 request head is passed on as HTTP/1.1 with {@code Connection: close}.
     */
    private static final class Source implements Supplier<byte[]> {
        private final ConnectionContext ctx;
        private final DataReader socket;
        private final int maxRequestLine;
        private final int maxHead;
        private boolean first = true;
        private boolean http10;

        private Source(ConnectionContext ctx, int maxRequestLine, int maxHead) {
            this.ctx = ctx;
            this.socket = ctx.dataReader();
            this.maxRequestLine = maxRequestLine;
            this.maxHead = maxHead;
        }

        @Override
        public byte[] get() {
            if (first) {
                first = false;
                return firstBytes();
            }
            return next();
        }

        /**
         * The next bytes: first what Helidon's reader holds, then straight from the socket, as
         * Helidon's reader would have read them (no second copy of each read).
         */
        private byte[] next() {
            int held = socket.available();
            if (held > 0) {
                return socket.readBytes(held);
            }
            try {
                return ctx.serverSocket().get();
            } catch (UncheckedIOException e) {
                throw new ServerConnectionException("Failed to get data from socket", e);
            }
        }

        private byte[] firstBytes() {
            byte[] bytes = next();
            if (bytes == null) {
                return null;
            }
            int lf = indexOf(bytes, 0, (byte) '\n');
            while (lf == -1 && bytes.length <= maxRequestLine) {
                byte[] more = next();
                if (more == null) {
                    return bytes;
                }
                bytes = concat(bytes, more);
                lf = indexOf(bytes, 0, (byte) '\n');
            }
            if (lf == -1 || !new String(bytes, 0, lf, StandardCharsets.US_ASCII).endsWith(HTTP_1_0)) {
                return bytes;
            }
            http10 = true;
            return asHttp11(bytes, lf);
        }

        /** The HTTP/1.0 head as HTTP/1.1, closing, with a Host if it had none. */
        private byte[] asHttp11(byte[] bytes, int lf) {
            int end = headEnd(bytes);
            while (end == -1 && bytes.length <= maxHead) {
                byte[] more = next();
                if (more == null) {
                    break;
                }
                bytes = concat(bytes, more);
                end = headEnd(bytes);
            }
            String head = new String(bytes, 0, end == -1 ? bytes.length : end, StandardCharsets.ISO_8859_1);
            boolean hasHost = head.toLowerCase(Locale.ROOT).contains("\nhost:");
            StringBuilder extra = new StringBuilder("Connection: close\r\n");
            if (!hasHost) {
                extra.append("Host: ").append(hostOf(ctx.localPeer())).append("\r\n");
            }
            byte[] added = extra.toString().getBytes(StandardCharsets.US_ASCII);
            byte[] result = new byte[bytes.length + added.length];
            System.arraycopy(bytes, 0, result, 0, lf + 1);
            // "HTTP/1.0" -> "HTTP/1.1": the byte before "\r\n" at the line's end
            result[lf - 2] = '1';
            System.arraycopy(added, 0, result, lf + 1, added.length);
            System.arraycopy(bytes, lf + 1, result, lf + 1 + added.length, bytes.length - lf - 1);
            return result;
        }

        private static String hostOf(PeerInfo local) {
            String host = local.host();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + local.port();
        }

        private static int headEnd(byte[] bytes) {
            for (int i = 3; i < bytes.length; i++) {
                if (bytes[i] == '\n' && bytes[i - 1] == '\r' && bytes[i - 2] == '\n' && bytes[i - 3] == '\r') {
                    return i + 1;
                }
            }
            return -1;
        }

        private static int indexOf(byte[] bytes, int from, byte b) {
            for (int i = from; i < bytes.length; i++) {
                if (bytes[i] == b) {
                    return i;
                }
            }
            return -1;
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] joined = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, joined, a.length, b.length);
            return joined;
        }
    }

    /** Helidon's HTTP/1 connection, with the context reachable from this thread while it runs. */
    private record WireConnection(WireContext wire, ServerConnection connection, InterruptableTask<?> task)
            implements ServerConnection, InterruptableTask<Void> {
        @Override
        public void handle(Limit limit) throws InterruptedException {
            CURRENT.set(wire);
            try {
                connection.handle(limit);
            } finally {
                CURRENT.remove();
            }
        }

        @Override
        public Duration idleTime() {
            return connection.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            connection.close(interrupt);
        }

        @Override
        public boolean canInterrupt() {
            return task.canInterrupt();
        }
    }
}
