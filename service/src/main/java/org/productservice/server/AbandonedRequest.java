package org.productservice.server;

import io.helidon.webserver.CloseConnectionException;

/**
 * A request that ended without a response because its connection went away: the client closed it
 * (status 499, the de-facto code for "client closed request") or the server cut it at a timeout
 * (408). No response can be written; the access log and the request metrics record the status.
 * As a {@link CloseConnectionException} it passes Helidon's error handlers untouched, so it
 * never becomes a 500 with a stack trace.
 */
public final class AbandonedRequest extends CloseConnectionException {
    /** Status recorded when the client closed the connection. */
    public static final int CLIENT_CLOSED = 499;

    private final int status;

    AbandonedRequest(int status, String outcome, Throwable cause) {
        super(outcome, cause);
        this.status = status;
    }

    /**
     * The status to record: 499 (client closed) or 408 (timed out).
     *
     * @return status code
     */
    public int status() {
        return status;
    }

    /**
     * What happened, for the access log.
     *
     * @return {@code client_closed} or {@code *_timeout}
     */
    public String outcome() {
        return getMessage();
    }
}
