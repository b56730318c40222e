package org.productservice.server;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.DirectTransportRequest;
import io.helidon.webserver.http1.Http1ConnectionListener;

/**
 * Checks of each request head that Helidon 4.5.0 does not make, answered at once (before any
 * route, through the listener's direct handler, closing the connection):
 * <ul>
 *     <li>a method that is not all upper case, such as {@code get}, gets 501 like any other unknown
 *     method: methods are case-sensitive (RFC 9110 9.1), while Helidon serves {@code get} as GET;</li>
 *     <li>an {@code Expect} other than {@code 100-continue} gets 417 (RFC 9110 10.1.1); Helidon
 *     ignored it, and a client waiting for the go-ahead then sent nothing until a 408.</li>
 * </ul>
 * Also tells the connection which request it serves ({@link Http1Wire#current()}). A receive
 * listener of the HTTP/1 configuration; it sees only connections read through {@link Http1Wire}.
 */
public final class RequestChecks implements Http1ConnectionListener {
    private static final String CONTINUE = "100-continue";

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        if (!(ctx instanceof WireContext wire)) {
            return;
        }
        wire.started(prologue);
        byte[] line = wire.lastRequestLine();
        String method = prologue.method().text();
        if (line != null && !sentAsIs(line, method)) {
            // Not HEAD either (a "head" is no HEAD): its answer keeps its body.
            wire.methodRefused();
            int space = Math.max(0, indexOfSpace(line));
            throw RequestException.builder()
                    .type(DirectHandler.EventType.OTHER)
                    .status(Status.NOT_IMPLEMENTED_501)
                    .request(DirectTransportRequest.create("HTTP/1.1", new String(line, 0, space, StandardCharsets.US_ASCII),
                                                           prologue.uriPath().rawPathNoParams()))
                    .setKeepAlive(false)
                    .message("This server does not implement that method.")
                    .safeMessage(true)
                    .build();
        }
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        if (!headers.contains(HeaderNames.EXPECT)) {
            return;
        }
        List<String> values = headers.get(HeaderNames.EXPECT).allValues();
        if (values.size() != 1 || !values.getFirst().strip().equalsIgnoreCase(CONTINUE)) {
            throw RequestException.builder()
                    .type(DirectHandler.EventType.BAD_REQUEST)
                    .status(Status.EXPECTATION_FAILED_417)
                    .request(ctx instanceof WireContext wire && wire.prologue() != null
                                     ? DirectTransportRequest.create(wire.prologue(), headers)
                                     : DirectHandler.TransportRequest.empty())
                    .setKeepAlive(false)
                    .message("The only expectation this server meets is Expect: 100-continue.")
                    .safeMessage(true)
                    .build();
        }
    }

    /** Whether the request line starts with the method exactly as Helidon names it (upper case). */
    private static boolean sentAsIs(byte[] line, String method) {
        if (line.length <= method.length() || line[method.length()] != ' ') {
            // not the request line of this method: nothing to tell
            return true;
        }
        for (int i = 0; i < method.length(); i++) {
            if (line[i] != method.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOfSpace(byte[] line) {
        for (int i = 0; i < line.length; i++) {
            if (line[i] == ' ') {
                return i;
            }
        }
        return line.length;
    }
}
