package org.productservice.faults;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A loopback TCP proxy in front of the local engine that injects the faults a DynamoDB client
 * meets in production: the engine not listening at all, connections reset mid-stream, latency,
 * and throttling answers. It understands just enough HTTP/1.1 (request head, Content-Length
 * body) to act per request; answers from the engine are pumped through as raw bytes.
 *
 * <p>Every request it sees is recorded with its {@code X-Amz-Target} (e.g.
 * {@code DynamoDB_20120810.GetItem}) so that tests can prove that retries happened.
 */
final class FaultProxy implements AutoCloseable {
    /** What the proxy does with the next connection or request. */
    enum Mode {
        /** Forward everything. */
        PASS,
        /** Nothing listens on the port: connections are refused; open ones are reset. */
        REFUSE,
        /** Open connections are reset now; new ones are reset after a random part of the exchange. */
        CUT,
        /** Each request is held for the configured delay before it is forwarded. */
        DELAY,
        /** Each request is answered by the proxy with a throttling (or other DynamoDB) error and never forwarded. */
        THROTTLE,
        /**
         * Each request is forwarded at once, so the engine executes it; some answers are then held
         * back past the client's attempt timeout, others are dropped (the connection is reset).
         */
        LOSE_REPLIES
    }

    /** Body of the throttling answer, as DynamoDB sends it. */
    private static final String THROTTLE_BODY = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#%s\","
            + "\"message\":\"Injected by FaultProxy: the level of configured provisioned throughput was exceeded\"}";
    private static final int MAX_HEAD = 64 * 1024;

    private final InetSocketAddress upstream;
    private final int port;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final List<String> targets = new CopyOnWriteArrayList<>();
    private final AtomicInteger throttled = new AtomicInteger();
    private final ReentrantLock listenerLock = new ReentrantLock();

    private volatile Mode mode = Mode.PASS;
    private volatile Duration delay = Duration.ZERO;
    private volatile String throttleError = "ProvisionedThroughputExceededException";
    private volatile int errorStatus = 400;
    // Error answers still to give in THROTTLE mode before forwarding again; negative: no end.
    private final AtomicInteger errorAnswersLeft = new AtomicInteger(-1);
    private volatile double cutProbability = 1.0;
    private volatile double holdShare;
    private volatile double dropShare;
    private volatile Duration hold = Duration.ZERO;
    private final AtomicInteger heldReplies = new AtomicInteger();
    // Answers still to lose on requests of one operation (loseNextReplies), whatever the shares say.
    private final AtomicInteger forcedLeft = new AtomicInteger();
    private volatile String forcedOperation = "";
    private final AtomicInteger droppedReplies = new AtomicInteger();
    private volatile ServerSocket listener;
    private volatile boolean closed;

    private FaultProxy(InetSocketAddress upstream, ServerSocket listener) {
        this.upstream = upstream;
        this.listener = listener;
        this.port = listener.getLocalPort();
    }

    /**
     * Starts a proxy in front of an HTTP endpoint, on a free loopback port, in {@link Mode#PASS}.
     *
     * @param endpoint the engine, e.g. {@code http://127.0.0.1:41234}
     * @return the proxy
     */
    static FaultProxy start(String endpoint) {
        URI uri = URI.create(endpoint);
        try {
            ServerSocket listener = bind(0);
            FaultProxy proxy = new FaultProxy(new InetSocketAddress(uri.getHost(), uri.getPort()), listener);
            proxy.threads.execute(() -> proxy.accept(listener));
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The endpoint to give the service instead of the engine's.
     *
     * @return e.g. {@code http://127.0.0.1:45678}
     */
    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Forwards everything again, listening again if the port was closed. */
    void pass() {
        mode = Mode.PASS;
        listen();
    }

    /** Stops listening (new connections are refused) and resets every open connection. */
    void refuse() {
        mode = Mode.REFUSE;
        listenerLock.lock();
        try {
            ServerSocket current = listener;
            listener = null;
            if (current != null) {
                closeQuietly(current);
            }
        } finally {
            listenerLock.unlock();
        }
        resetAll();
    }

    /**
     * Resets every open connection now; from then on every connection is reset, with this
     * probability, at a random point of its exchange (possibly after the engine has already
     * executed a request and before its answer got through).
     *
     * @param probability chance that a request's exchange is cut, 0 to 1
     */
    void cut(double probability) {
        cutProbability = probability;
        mode = Mode.CUT;
        listen();
        resetAll();
    }

    /**
     * Holds every request this long before forwarding it.
     *
     * @param delay added latency
     */
    void delay(Duration delay) {
        this.delay = delay;
        mode = Mode.DELAY;
        listen();
    }

    /**
     * Forwards every request at once, and loses some of the engine's answers: the engine has
     * executed the request, the client never learns how it went. A held answer is written only
     * after {@code hold} (choose it longer than the client's attempt timeout, by when the client
     * has given up on the attempt and closed its connection); a dropped one is never written and
     * its connection is reset.
     *
     * @param holdShare share of answers held, 0 to 1
     * @param dropShare share of answers dropped, 0 to 1
     * @param hold      how long a held answer is held
     */
    void loseReplies(double holdShare, double dropShare, Duration hold) {
        this.holdShare = holdShare;
        this.dropShare = dropShare;
        this.hold = hold;
        mode = Mode.LOSE_REPLIES;
        listen();
    }

    /**
     * Loses the answers to the next requests of one operation, and forwards everything else
     * untouched: e.g. the answer to the next UpdateItem, after the engine applied it.
     *
     * @param operation e.g. {@code UpdateItem}
     * @param count     how many answers to lose
     * @param hold      how long to hold each of them, or zero to drop them (reset the connection)
     */
    void loseNextReplies(String operation, int count, Duration hold) {
        loseReplies(0, 0, hold);
        forcedOperation = "." + operation;
        forcedLeft.set(count);
    }

    /**
     * How many answers {@link #loseReplies} held and dropped so far.
     *
     * @return held and dropped, in that order
     */
    int[] lostReplies() {
        return new int[] {heldReplies.get(), droppedReplies.get()};
    }

    /**
     * Answers every request with a DynamoDB throttling error (HTTP 400) instead of forwarding it.
     *
     * @param errorType {@code ProvisionedThroughputExceededException} or {@code ThrottlingException}
     */
    void throttle(String errorType) {
        answerErrors(-1, 400, errorType);
    }

    /**
     * Answers the next requests with a DynamoDB error instead of forwarding them, then forwards
     * again: e.g. two throttled attempts followed by one that succeeds.
     *
     * @param requests  how many requests get the error; negative for all of them
     * @param status    HTTP status, e.g. 400 for throttling, 500 for {@code InternalServerError}
     * @param errorType DynamoDB's error code, e.g. {@code ProvisionedThroughputExceededException}
     */
    void answerErrors(int requests, int status, String errorType) {
        throttleError = errorType;
        errorStatus = status;
        errorAnswersLeft.set(requests);
        mode = Mode.THROTTLE;
        listen();
    }

    /**
     * Targets ({@code X-Amz-Target}) of all requests seen so far, in arrival order.
     *
     * @return e.g. {@code [DynamoDB_20120810.PutItem, ...]}
     */
    List<String> targets() {
        return List.copyOf(targets);
    }

    /**
     * How many requests with this operation were seen, e.g. {@code "GetItem"}.
     *
     * @param operation DynamoDB operation name
     * @return count
     */
    long count(String operation) {
        return targets.stream().filter(t -> t.endsWith("." + operation)).count();
    }

    /** Forgets the requests seen so far. */
    void clearRecords() {
        targets.clear();
        throttled.set(0);
    }

    /**
     * How many requests were answered with a throttling error.
     *
     * @return count
     */
    int throttledCount() {
        return throttled.get();
    }

    @Override
    public void close() {
        closed = true;
        listenerLock.lock();
        try {
            if (listener != null) {
                closeQuietly(listener);
                listener = null;
            }
        } finally {
            listenerLock.unlock();
        }
        resetAll();
        threads.shutdownNow();
        try {
            if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("FaultProxy threads did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean takeForced() {
        while (true) {
            int left = forcedLeft.get();
            if (left <= 0) {
                return false;
            }
            if (forcedLeft.compareAndSet(left, left - 1)) {
                return true;
            }
        }
    }

    private boolean takeErrorAnswer() {
        while (true) {
            int left = errorAnswersLeft.get();
            if (left <= 0) {
                return left < 0;
            }
            if (errorAnswersLeft.compareAndSet(left, left - 1)) {
                return true;
            }
        }
    }

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return socket;
    }

    private void listen() {
        listenerLock.lock();
        try {
            if (listener != null || closed) {
                return;
            }
            ServerSocket socket = bind(port);
            listener = socket;
            threads.execute(() -> accept(socket));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not listen on port " + port + " again", e);
        } finally {
            listenerLock.unlock();
        }
    }

    private void resetAll() {
        for (Connection connection : connections) {
            connection.reset();
        }
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                return;
            }
            if (mode == Mode.REFUSE || closed) {
                reset(client);
                continue;
            }
            Socket server = new Socket();
            try {
                server.connect(upstream, 1000);
            } catch (IOException e) {
                reset(client);
                closeQuietly(server);
                continue;
            }
            Connection connection = new Connection(client, server);
            connections.add(connection);
            try {
                threads.execute(connection::requests);
                threads.execute(connection::responses);
            } catch (RuntimeException rejected) {
                connection.reset();
            }
        }
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException ignored) {
            // Already closed.
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // Closing is best effort.
        }
    }

    /** One client connection and its upstream connection. */
    private final class Connection {
        private final Socket client;
        private final Socket server;
        private final ReentrantLock clientWrite = new ReentrantLock();
        // Bytes of the engine's answer to let through before the cut, when the current request is to be cut.
        private volatile long cutAfterResponseBytes = Long.MAX_VALUE;
        // How long to hold the current request's answer before writing it, in LOSE_REPLIES mode; 0: not held.
        private final AtomicLong holdReplyNanos = new AtomicLong();

        Connection(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void reset() {
            FaultProxy.reset(client);
            FaultProxy.reset(server);
            connections.remove(this);
        }

        /** Client to engine, one HTTP request at a time. */
        void requests() {
            try (InputStream in = new BufferedInputStream(client.getInputStream());
                 OutputStream out = server.getOutputStream()) {
                while (true) {
                    byte[] head = readHead(in);
                    if (head == null) {
                        break;
                    }
                    String headText = new String(head, StandardCharsets.ISO_8859_1);
                    byte[] body = in.readNBytes(contentLength(headText));
                    String target = header(headText, "x-amz-target");
                    targets.add(target);
                    Mode current = mode;
                    switch (current) {
                        case REFUSE -> {
                            reset();
                            return;
                        }
                        case THROTTLE -> {
                            if (takeErrorAnswer()) {
                                throttled.incrementAndGet();
                                answerThrottled();
                                continue;
                            }
                        }
                        case DELAY -> Thread.sleep(delay);
                        case CUT -> {
                            if (ThreadLocalRandom.current().nextDouble() < cutProbability) {
                                int where = ThreadLocalRandom.current().nextInt(3);
                                if (where == 0) {
                                    // Before the engine sees the request.
                                    reset();
                                    return;
                                }
                                // After the engine has executed it: during or before its answer.
                                cutAfterResponseBytes = where == 1 ? 0 : ThreadLocalRandom.current().nextInt(1, 200);
                            }
                        }
                        case LOSE_REPLIES -> {
                            boolean forced = target.endsWith(forcedOperation) && takeForced();
                            double draw = ThreadLocalRandom.current().nextDouble();
                            if (forced ? hold.isZero() : draw < dropShare) {
                                droppedReplies.incrementAndGet();
                                cutAfterResponseBytes = 0;
                            } else if (forced || draw < dropShare + holdShare) {
                                heldReplies.incrementAndGet();
                                holdReplyNanos.set(hold.toNanos());
                            }
                        }
                        default -> {
                        }
                    }
                    out.write(head);
                    out.write(body);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // Reset by a fault, closed by a peer, or the proxy is closing.
            } finally {
                reset();
            }
        }

        /** Engine to client, raw bytes, cut when the current request was chosen to be cut. */
        void responses() {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    long held = holdReplyNanos.getAndSet(0);
                    if (held > 0) {
                        // The client gives up on the attempt meanwhile; the late answer then meets a closed connection.
                        Thread.sleep(Duration.ofNanos(held));
                    }
                    long allowed = cutAfterResponseBytes;
                    if (allowed < read) {
                        clientWrite.lock();
                        try {
                            out.write(buffer, 0, (int) allowed);
                            out.flush();
                        } finally {
                            clientWrite.unlock();
                        }
                        reset();
                        return;
                    }
                    clientWrite.lock();
                    try {
                        out.write(buffer, 0, read);
                        out.flush();
                    } finally {
                        clientWrite.unlock();
                    }
                }
            } catch (IOException | InterruptedException e) {
                // Reset by a fault, closed by a peer, or the proxy is closing.
            } finally {
                reset();
            }
        }

        private void answerThrottled() throws IOException {
            byte[] body = THROTTLE_BODY.formatted(throttleError).getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 " + errorStatus + (errorStatus >= 500 ? " Internal Server Error" : " Bad Request") + "\r\n"
                    + "Content-Type: application/x-amz-json-1.0\r\n"
                    + "x-amzn-RequestId: fault-proxy-" + throttled.get() + "\r\n"
                    + "Content-Length: " + body.length + "\r\n"
                    + "\r\n";
            clientWrite.lock();
            try {
                OutputStream out = client.getOutputStream();
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
            } finally {
                clientWrite.unlock();
            }
        }
    }

    /** Reads up to and including the blank line that ends a request head; null at end of stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(1024);
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new IOException("request head cut short");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > MAX_HEAD) {
                throw new IOException("request head too large");
            }
        }
        return head.toByteArray();
    }

    private static int contentLength(String head) throws IOException {
        String value = header(head, "content-length");
        if (value.isEmpty()) {
            if (!header(head, "transfer-encoding").isEmpty()) {
                throw new IOException("chunked requests are not supported by FaultProxy");
            }
            return 0;
        }
        return Integer.parseInt(value.strip());
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        return "";
    }
}
