package org.productservice.server;

import java.util.List;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;

/**
 * Several HTTP/1 listeners as one, each called in order.
 *
 * <p>Why ours: when an {@code Http1Config} holds more than one send (or receive) listener,
 * Helidon 4.5.0 combines them with {@code Http1ConnectionListener.create(list)}, whose composite
 * overrides none of the callbacks: a second listener silently switches off the first (and
 * itself). Register exactly one listener per direction, this one.
 */
public final class Http1Listeners implements Http1ConnectionListener {
    // An array and a plain loop: these run several times per request, and a forEach lambda
    // capturing the arguments is an allocation per call.
    private final Http1ConnectionListener[] listeners;

    private Http1Listeners(Http1ConnectionListener[] listeners) {
        this.listeners = listeners;
    }

    /**
     * Combines listeners.
     *
     * @param listeners the listeners, called in this order
     * @return one listener calling them all
     */
    public static Http1ConnectionListener of(Http1ConnectionListener... listeners) {
        return new Http1Listeners(List.of(listeners).toArray(Http1ConnectionListener[]::new));
    }

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        each(ctx, prologue, Http1ConnectionListener::prologue);
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        each(ctx, headers, Http1ConnectionListener::headers);
    }

    @Override
    public void status(ConnectionContext ctx, Status status) {
        each(ctx, status, Http1ConnectionListener::status);
    }

    @Override
    public void data(ConnectionContext ctx, BufferData data) {
        each(ctx, data, Http1ConnectionListener::data);
    }

    @Override
    public void data(ConnectionContext ctx, byte[] bytes, int offset, int length) {
        for (Http1ConnectionListener listener : listeners) {
            listener.data(ctx, bytes, offset, length);
        }
    }

    // The callbacks are passed as method references that capture nothing: one constant each, no
    // allocation per call.
    private <T> void each(ConnectionContext ctx, T argument, Callback<T> callback) {
        for (Http1ConnectionListener listener : listeners) {
            callback.call(listener, ctx, argument);
        }
    }

    @FunctionalInterface
    private interface Callback<T> {
        void call(Http1ConnectionListener listener, ConnectionContext ctx, T argument);
    }
}
