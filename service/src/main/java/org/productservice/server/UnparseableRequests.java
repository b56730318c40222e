package org.productservice.server;

import java.time.Duration;
import java.util.regex.Pattern;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;

import org.productservice.http.Refusals;
import org.productservice.http.TransportProblems;

/**
 * Answers a first request line that no HTTP/1 connection would take, instead of the silent close
 * of Helidon 4.5.0: when no protocol claims a new connection's first line (HTTP/1.2, a leading
 * empty line, a bare LF, a request line longer than the limit), its connection handler closes
 * the socket without a byte. Here such a connection gets 505, 414 or 400 (problem+json, without
 * the body for a HEAD line, {@code Connection: close}), counted as a refusal, and is closed.
 *
 * <p>Registered after {@link Http1Wire}, which takes the HTTP/1.1 and HTTP/1.0 lines.
 */
public final class UnparseableRequests extends FirstLineSelector {
    private static final Pattern HTTP_VERSION = Pattern.compile(".* HTTP/\\d\\.\\d\\r?");

    private final Refusals refusals;

    /**
     * Creates the selector.
     *
     * @param maxRequestLine the HTTP/1 configuration's {@code maxPrologueLength}
     * @param refusals       the listener's refusals
     */
    public UnparseableRequests(int maxRequestLine, Refusals refusals) {
        super(maxRequestLine);
        this.refusals = refusals;
    }

    @Override
    Support supports(FirstLine line) {
        return switch (line) {
            case PARTIAL -> Support.UNKNOWN;
            case HTTP1 -> Support.UNSUPPORTED;
            case TOO_LONG, OTHER -> Support.SUPPORTED;
        };
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        BufferData buffer = ctx.dataReader().getBuffer(ctx.dataReader().available());
        int lf = buffer.indexOf((byte) '\n');
        String line = lf == -1 ? null : buffer.readString(lf);
        Answer answer = answer(line);
        refusals.refused(answer.status.code(), Refusals.reasonOf(answer.status.code()));
        byte[] bytes = TransportProblems.closingResponse(answer.status, answer.detail, line != null && line.startsWith("HEAD "));
        return new ServerConnection() {
            @Override
            public void handle(Limit limit) {
                ctx.dataWriter().writeNow(BufferData.create(bytes));
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

    static Answer answer(String line) {
        if (line == null) {
            return new Answer(Status.REQUEST_URI_TOO_LONG_414, "The request line is longer than this service accepts.");
        }
        if (line.isEmpty() || line.equals("\r")) {
            return new Answer(Status.BAD_REQUEST_400, "The request must start with the request line.");
        }
        if (!line.endsWith("\r")) {
            return new Answer(Status.BAD_REQUEST_400, "Lines must end with CRLF.");
        }
        if (HTTP_VERSION.matcher(line).matches()) {
            return new Answer(Status.HTTP_VERSION_NOT_SUPPORTED_505, "This service speaks HTTP/1.1 (and HTTP/1.0) only.");
        }
        return new Answer(Status.BAD_REQUEST_400, "Malformed request line.");
    }

    record Answer(Status status, String detail) {
    }

    @Override
    public String toString() {
        return "unparseable-request answers";
    }
}
