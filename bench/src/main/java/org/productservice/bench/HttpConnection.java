package org.productservice.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * One persistent HTTP/1.1 connection, used by one load-generator worker at a time.
 *
 * <p>Why not {@code java.net.http.HttpClient}: it decides itself how many connections to open and
 * spends more CPU per request than the service under test on this two-core machine, which would
 * blur what is measured. A blocking socket per worker is what wrk does: the connection count is
 * exactly the configured concurrency, and the generator stays cheap. It speaks just what the
 * benchmark needs: requests with a Content-Length body, responses with Content-Length or chunked
 * bodies, keep-alive, and "Connection: close".
 */
final class HttpConnection implements Closeable {
    private static final int MAX_LINE = 8192;
    /** Requests sent by every connection of this JVM: the denominator of spans per request. */
    private static final LongAdder SENT = new LongAdder();

    private final InetSocketAddress address;
    private final int timeoutMillis;
    private final String authorization;
    private final ByteArrayOutputStream request = new ByteArrayOutputStream(512);
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /**
     * A connection to {@code 127.0.0.1:port}, opened on first use.
     *
     * @param port    server port
     * @param timeout connect and read timeout: a stuck server fails the request, never hangs the run
     */
    HttpConnection(int port, Duration timeout) {
        this(port, timeout, null);
    }

    /**
     * A connection that sends an Authorization header with every request.
     *
     * @param port          server port
     * @param timeout       connect and read timeout
     * @param authorization the header's value (e.g. "Bearer ..."), or null for none
     */
    HttpConnection(int port, Duration timeout, String authorization) {
        this.address = new InetSocketAddress("127.0.0.1", port);
        this.timeoutMillis = Math.toIntExact(timeout.toMillis());
        this.authorization = authorization;
    }

    /** Requests sent so far by all connections. */
    static long requestsSent() {
        return SENT.sum();
    }

    /** A response: status, ETag header (or null) and body. */
    record Response(int status, String etag, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * Sends one request and reads its response. After an I/O error the connection is closed and
     * the next call opens a new one.
     *
     * @param method      HTTP method
     * @param target      path and query
     * @param contentType Content-Type of the body, or null for no body
     * @param ifMatch     If-Match value, or null
     * @param body        request body, or null
     * @return the response
     * @throws IOException on connection failures and malformed responses
     */
    Response send(String method, String target, String contentType, String ifMatch, byte[] body) throws IOException {
        if (socket == null) {
            open();
        }
        request.reset();
        ascii(method).ascii(" ").ascii(target).ascii(" HTTP/1.1\r\nHost: 127.0.0.1:")
                .ascii(Integer.toString(address.getPort()))
                // As curl does: the API answers JSON, the metrics endpoint its text format.
                .ascii("\r\nAccept: */*\r\n");
        if (ifMatch != null) {
            ascii("If-Match: ").ascii(ifMatch).ascii("\r\n");
        }
        if (authorization != null) {
            ascii("Authorization: ").ascii(authorization).ascii("\r\n");
        }
        if (body != null) {
            ascii("Content-Type: ").ascii(contentType).ascii("\r\nContent-Length: ")
                    .ascii(Integer.toString(body.length)).ascii("\r\n\r\n");
            request.write(body);
        } else {
            ascii("\r\n");
        }
        try {
            request.writeTo(out);
            out.flush();
            SENT.increment();
            ParsedResponse response = read(in);
            if (response.close()) {
                close();
            }
            return response.response();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Closing a broken connection: nothing left to do.
            }
            socket = null;
        }
    }

    private void open() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(timeoutMillis);
        s.connect(address, timeoutMillis);
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        out = s.getOutputStream();
    }

    private HttpConnection ascii(String text) {
        for (int i = 0; i < text.length(); i++) {
            request.write(text.charAt(i));
        }
        return this;
    }

    /** A parsed response and whether the server asked to close the connection. */
    record ParsedResponse(Response response, boolean close) {
    }

    /**
     * Reads one HTTP/1.1 response (a 1xx interim response is skipped).
     *
     * @param in buffered input
     * @return the response
     * @throws IOException on end of stream or a malformed response
     */
    static ParsedResponse read(InputStream in) throws IOException {
        while (true) {
            String statusLine = line(in);
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw new IOException("Malformed status line: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long contentLength = -1;
            boolean chunked = false;
            boolean close = statusLine.startsWith("HTTP/1.0");
            String etag = null;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("Malformed header: " + header);
                }
                String name = header.substring(0, colon).trim();
                String value = header.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    contentLength = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                } else if (name.equalsIgnoreCase("Connection")) {
                    close = value.equalsIgnoreCase("close");
                } else if (name.equalsIgnoreCase("ETag")) {
                    etag = value;
                }
            }
            if (status >= 100 && status < 200) {
                continue;
            }
            byte[] body;
            if (status == 204 || status == 304) {
                body = new byte[0];
            } else if (chunked) {
                body = chunkedBody(in);
            } else if (contentLength >= 0) {
                body = in.readNBytes(Math.toIntExact(contentLength));
                if (body.length != contentLength) {
                    throw new EOFException("Body shorter than Content-Length " + contentLength);
                }
            } else {
                // No length: the body runs to the end of the connection.
                body = in.readAllBytes();
                close = true;
            }
            return new ParsedResponse(new Response(status, etag, body), close);
        }
    }

    private static byte[] chunkedBody(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in);
            int extension = sizeLine.indexOf(';');
            int size = Integer.parseInt((extension < 0 ? sizeLine : sizeLine.substring(0, extension)).trim(), 16);
            if (size == 0) {
                // Trailers, if any, end with an empty line.
                while (!line(in).isEmpty()) {
                    // skip trailer fields
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length != size) {
                throw new EOFException("Chunk shorter than " + size);
            }
            body.write(chunk);
            if (!line(in).isEmpty()) {
                throw new IOException("Chunk not followed by CRLF");
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("Connection closed by the server");
            }
            if (b == '\n') {
                int last = line.length() - 1;
                if (last >= 0 && line.charAt(last) == '\r') {
                    line.setLength(last);
                }
                return line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("Line longer than " + MAX_LINE + " bytes");
            }
            line.append((char) b);
        }
    }
}
