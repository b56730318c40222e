package org.productservice.server;

import java.util.Optional;
import java.util.concurrent.ExecutorService;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;

/**
 * A connection's context as Helidon's own, read through {@link Http1Wire}'s checking reader, with
 * what the HTTP/1 listeners of this package keep per connection: the current request, what is sent
 * of its answer, and the {@link ConnectionGuard}'s watch. Fields are used on the connection's
 * thread only.
 */
final class WireContext implements ConnectionContext {
    /** What is sent of the current answer's bytes. */
    enum Body {
        /** Everything. */
        SEND,
        /** The head only: an answer to HEAD whose head is still to come. */
        AFTER_HEAD,
        /** Nothing more: the rest of an answer to HEAD. */
        DROP
    }

    private final ConnectionContext delegate;
    private final WireReader reader;
    private final WireSource source;
    private HttpPrologue prologue;
    private long startNanos;
    private boolean headRequest;
    private boolean unchunk;
    private Body body = Body.SEND;
    private ConnectionWatch watch;

    WireContext(ConnectionContext delegate, WireReader reader, WireSource source) {
        this.delegate = delegate;
        this.reader = reader;
        this.source = source;
    }

    /** Whether the client speaks HTTP/1.0 (its request was passed on as HTTP/1.1). */
    boolean http10() {
        return source.http10();
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

    Http1Wire.WireRequest request() {
        return new Http1Wire.WireRequest(prologue, startNanos);
    }

    /** The bytes of the last request line as the client sent them (null before the first). */
    byte[] lastRequestLine() {
        return reader.lastBytes();
    }

    /** The guard's watch of this connection, once it was looked up. */
    ConnectionWatch watch() {
        return watch;
    }

    void watch(ConnectionWatch watch) {
        this.watch = watch;
    }

    @Override
    public DataReader dataReader() {
        return reader;
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
