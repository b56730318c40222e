package org.productservice.server;

import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

import org.productservice.http.TransportProblems;

/**
 * Answers a first request line that Helidon's HTTP/1.1 connection would not take, instead of the
 * silent close of Helidon 4.5.0: when no protocol claims a new connection's first line (HTTP/1.0,
 * HTTP/1.2, a leading empty line, a bare LF, a request line longer than the limit), its
 * connection handler closes the socket without a byte. Here such a connection gets 505, 414 or
 * 400 (problem+json, {@code Connection: close}) and is closed.
 *
 * <p>Registered as the listener's first connection selector; it declines every line that ends
 * in {@code HTTP/1.1} CRLF, so well-formed requests go to Helidon's HTTP/1 connection as before.
 */
public final class UnparseableRequests implements ServerConnectionSelector {
    private static final Pattern HTTP_VERSION = Pattern.compile(".* HTTP/\\d\\.\\d\\r?");

    private final int maxRequestLine;

    /**
     * Creates the selector.
     *
     * @param maxRequestLine the HTTP/1 configuration's {@code maxPrologueLength}
     */
    public UnparseableRequests(int maxRequestLine) {
        this.maxRequestLine = maxRequestLine;
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData request) {
        int lf = request.indexOf((byte) '\n');
        if (lf == -1) {
            return request.available() > maxRequestLine ? Support.SUPPORTED : Support.UNKNOWN;
        }
        return request.readString(lf).endsWith(" HTTP/1.1\r") ? Support.UNSUPPORTED : Support.SUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return Set.of();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        BufferData buffer = ctx.dataReader().getBuffer(ctx.dataReader().available());
        int lf = buffer.indexOf((byte) '\n');
        String line = lf == -1 ? null : buffer.readString(lf);
        byte[] answer = answer(line);
        return new ServerConnection() {
            @Override
            public void handle(Limit limit) {
                ctx.dataWriter().writeNow(BufferData.create(answer));
            }

            @Override
            public Duration idleTime() {
                return Duration.ZERO;
            }

            @Override
            public void close(boolean interrupt) {
                // answered in one write; the connection handler closes the socket after handle()
            }
        };
    }

    static byte[] answer(String line) {
        if (line == null) {
            return TransportProblems.closingResponse(Status.REQUEST_URI_TOO_LONG_414,
                                                     "The request line is longer than this service accepts.");
        }
        if (line.isEmpty() || line.equals("\r")) {
            return TransportProblems.closingResponse(Status.BAD_REQUEST_400, "The request must start with the request line.");
        }
        if (!line.endsWith("\r")) {
            return TransportProblems.closingResponse(Status.BAD_REQUEST_400, "Lines must end with CRLF.");
        }
        if (HTTP_VERSION.matcher(line).matches()) {
            return TransportProblems.closingResponse(Status.HTTP_VERSION_NOT_SUPPORTED_505, "This service speaks HTTP/1.1 only.");
        }
        return TransportProblems.closingResponse(Status.BAD_REQUEST_400, "Malformed request line.");
    }

    @Override
    public String toString() {
        return "unparseable-request answers";
    }
}
