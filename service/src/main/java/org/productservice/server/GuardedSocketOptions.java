package org.productservice.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.helidon.common.socket.SocketOptions;

/**
 * Helidon's socket options, plus registering each accepted channel with the listener's open
 * connections: the one place where Helidon 4.5.0 shows every accepted channel.
 */
record GuardedSocketOptions(SocketOptions base, OpenConnections connections) implements SocketOptions {
    @Override
    public void configureSocket(SocketChannel socket) {
        base.configureSocket(socket);
        try {
            connections.accepted(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void configureSocket(Socket socket) {
        base.configureSocket(socket);
    }

    @Override
    public Map<SocketOption<?>, Object> socketOptions() {
        return base.socketOptions();
    }

    @Override
    public Duration connectTimeout() {
        return base.connectTimeout();
    }

    @Override
    public Duration readTimeout() {
        return base.readTimeout();
    }

    @Override
    public Optional<Integer> socketReceiveBufferSize() {
        return base.socketReceiveBufferSize();
    }

    @Override
    public Optional<Integer> socketSendBufferSize() {
        return base.socketSendBufferSize();
    }

    @Override
    public boolean socketReuseAddress() {
        return base.socketReuseAddress();
    }

    @Override
    public boolean socketKeepAlive() {
        return base.socketKeepAlive();
    }

    @Override
    public boolean tcpNoDelay() {
        return base.tcpNoDelay();
    }
}
