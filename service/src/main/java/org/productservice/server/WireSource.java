package org.productservice.server;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ServerConnectionException;

/**
 * The bytes of a connection for {@link WireReader}: first what Helidon's reader holds (what the
 * selectors looked at), then straight from the socket, as Helidon's reader would have read them.
 *
 * <p>Helidon 4.5.0 answers no HTTP/1.0 request line (its HTTP/1 selector claims {@code HTTP/1.1}
 * only, and its parser refuses 1.0). Here the head of such a connection's first request is passed
 * on as HTTP/1.1 with {@code Connection: close} (and a {@code Host} when it had none, which 1.0
 * allows): the answer is an HTTP/1.1 response that closes the connection, as RFC 9110 2.5 and
 * RFC 9112 9.3 permit for a 1.0 client.
 */
final class WireSource implements Supplier<byte[]> {
    private final ConnectionContext ctx;
    private final DataReader socket;
    private final int maxRequestLine;
    private final int maxHead;
    private boolean first = true;
    private boolean http10;

    /**
     * @param ctx            Helidon's context of the connection
     * @param maxRequestLine the longest request line, bytes
     * @param maxHead        the longest request head, bytes
     */
    WireSource(ConnectionContext ctx, int maxRequestLine, int maxHead) {
        this.ctx = ctx;
        this.socket = ctx.dataReader();
        this.maxRequestLine = maxRequestLine;
        this.maxHead = maxHead;
    }

    /** Whether the client speaks HTTP/1.0. */
    boolean http10() {
        return http10;
    }

    @Override
    public byte[] get() {
        if (first) {
            first = false;
            return firstBytes();
        }
        return next();
    }

    /** The next bytes (no second copy of each read), or null at the end of the stream. */
    private byte[] next() {
        int held = socket.available();
        if (held > 0) {
            return socket.readBytes(held);
        }
        try {
            return ctx.serverSocket().get();
        } catch (UncheckedIOException e) {
            // as Helidon's own reader reports a failed read
            throw new ServerConnectionException("Failed to get data from socket", e);
        }
    }

    private byte[] firstBytes() {
        byte[] bytes = next();
        if (bytes == null) {
            return null;
        }
        int lf = indexOf(bytes, (byte) '\n');
        while (lf == -1 && bytes.length <= maxRequestLine) {
            byte[] more = next();
            if (more == null) {
                return bytes;
            }
            bytes = concat(bytes, more);
            lf = indexOf(bytes, (byte) '\n');
        }
        if (lf == -1 || !FirstLine.isHttp10(new String(bytes, 0, lf, StandardCharsets.US_ASCII))) {
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

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
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
