package org.productservice.server;

import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.util.List;
import java.util.Optional;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import org.productservice.http.Problems;

/**
 * Turns what goes wrong on the wire while a handler reads a request into the right outcome,
 * instead of the 500 and SEVERE stack trace that Helidon 4.5.0 produces for both:
 * <ul>
 *     <li>an invalid chunk size ({@code zz}, {@code -2}, {@code 0x2}, 2^72): Helidon's chunk parser
 *     throws a bare {@link NumberFormatException} into the handler; here it becomes a 400;</li>
 *     <li>the connection ending mid-body (Helidon throws {@link DataReader.InsufficientDataAvailableException}
 *     or an {@link UncheckedIOException}): nothing can be answered, so the request ends as an
 *     {@link AbandonedRequest}, recorded as 499 {@code client_closed}, or 408 when the
 *     {@link ConnectionGuard} cut it at a timeout.</li>
 * </ul>
 * Helidon runs the error handlers inside the filter chain, and an error handler cannot end a
 * connection quietly; so the error handler throws a {@link ConnectionLost}, which passes the
 * handlers, and this filter, placed after the request observer, turns it into the
 * {@link AbandonedRequest} that closes the connection without a response.
 *
 * <p>Also tells the liveness check the API port once the server is bound.
 */
public final class ConnectionFaults implements Filter {
    private static final System.Logger LOGGER = System.getLogger(ConnectionFaults.class.getName());

    private final ConnectionGuard guard;
    private final ListenerLiveness liveness;

    /**
     * Creates the filter for the API listener.
     *
     * @param guard    the listener's connection guard
     * @param liveness the check to tell the listener's port once it is bound
     */
    public ConnectionFaults(ConnectionGuard guard, ListenerLiveness liveness) {
        this.guard = guard;
        this.liveness = liveness;
    }

    /**
     * Registers the error handlers; the filter itself must be added after the request observer.
     *
     * @param routing the API routing
     */
    public void registerErrors(HttpRouting.Builder routing) {
        routing.error(NumberFormatException.class, this::numberFormat)
                .error(DataReader.InsufficientDataAvailableException.class, this::lost)
                .error(UncheckedIOException.class, this::lost);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        // Read while the connection is open: once the socket is closed, Helidon knows no peer address.
        req.context().register(new Client(req.remotePeer().address()));
        try {
            chain.proceed();
        } catch (ConnectionLost e) {
            throw new AbandonedRequest(e.status().code(), e.getMessage(), e.getCause());
        } catch (AbandonedRequest e) {
            throw e;
        } catch (CloseConnectionException e) {
            // A socket failure while reading the body (Helidon's ServerConnectionException) passes the
            // error handlers: it is the same loss of the connection.
            throw abandoned(req, e);
        }
    }

    private AbandonedRequest abandoned(ServerRequest req, RuntimeException e) {
        Optional<CloseReason> timedOut = req.context().get(Client.class)
                .flatMap(client -> guard.timedOut(client.address()));
        if (timedOut.isPresent()) {
            return new AbandonedRequest(Status.REQUEST_TIMEOUT_408.code(), timedOut.get().reason(), e);
        }
        return new AbandonedRequest(AbandonedRequest.CLIENT_CLOSED, "client_closed", e);
    }

    @Override
    public void afterStart(WebServer server) {
        liveness.started(server);
    }

    private void numberFormat(ServerRequest req, ServerResponse res, NumberFormatException e) {
        if (fromChunkParser(e)) {
            Problems.send(req, res, Status.BAD_REQUEST_400, "Invalid chunk size in the chunked request body", List.of());
            return;
        }
        LOGGER.log(System.Logger.Level.ERROR, "Unexpected error in " + req.prologue().method() + " "
                + req.path().absolute().path(), e);
        Problems.send(req, res, Status.INTERNAL_SERVER_ERROR_500,
                      "An unexpected error occurred. Quote the request id when reporting it.", List.of());
    }

    private void lost(ServerRequest req, ServerResponse res, RuntimeException e) {
        AbandonedRequest abandoned = abandoned(req, e);
        throw new ConnectionLost(abandoned.status() == AbandonedRequest.CLIENT_CLOSED
                                         ? Status.create(AbandonedRequest.CLIENT_CLOSED, "Client Closed Request")
                                         : Status.REQUEST_TIMEOUT_408,
                                 abandoned.outcome(), e);
    }

    private static boolean fromChunkParser(NumberFormatException e) {
        for (StackTraceElement frame : e.getStackTrace()) {
            if (frame.getClassName().startsWith("io.helidon.webserver.http1.") && frame.getMethodName().contains("Chunk")) {
                return true;
            }
        }
        return false;
    }

    private record Client(SocketAddress address) {
    }

    /** Thrown by an error handler to leave Helidon's error handling; never sent. */
    private static final class ConnectionLost extends HttpException {
        private ConnectionLost(Status status, String outcome, Throwable cause) {
            super(outcome, status, cause);
        }
    }
}
