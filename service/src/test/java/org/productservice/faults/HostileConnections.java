package org.productservice.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.sun.management.UnixOperatingSystemMXBean;

/**
 * Tools of {@link HostileConnectionsTest}: raw connections that misbehave, a prober that times
 * the health endpoint while they do, and a log recorder.
 */
final class HostileConnections {
    private HostileConnections() {
    }

    /**
     * Opens connections and leaves them as they are (after sending {@code first}, possibly
     * nothing), then waits until the server has closed every one of them.
     */
    static final class Herd implements AutoCloseable {
        private final List<SocketChannel> channels = new ArrayList<>();
        private final List<String> answers = new ArrayList<>();

        static Herd open(int port, int count, byte[] first) throws IOException {
            Herd herd = new Herd();
            for (int i = 0; i < count; i++) {
                SocketChannel channel = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                if (first.length > 0) {
                    channel.write(ByteBuffer.wrap(first));
                }
                herd.channels.add(channel);
            }
            return herd;
        }

        int size() {
            return channels.size();
        }

        /** Sends the same bytes on every open connection (a slowloris drip); closed ones are skipped. */
        void drip(byte[] bytes) {
            for (SocketChannel channel : channels) {
                try {
                    channel.write(ByteBuffer.wrap(bytes));
                } catch (IOException closedByServer) {
                    // expected once the timeout struck
                }
            }
        }

        /**
         * Waits until the server has closed every connection (end of stream or reset).
         *
         * @param within longest wait
         * @return how long it took, or null if some are still open
         */
        Duration awaitClosedByServer(Duration within) throws IOException {
            long start = System.nanoTime();
            long deadline = start + within.toNanos();
            try (Selector selector = Selector.open()) {
                for (SocketChannel channel : channels) {
                    channel.configureBlocking(false);
                    channel.register(selector, SelectionKey.OP_READ, new ByteArrayOutputStream());
                }
                int open = channels.size();
                ByteBuffer buffer = ByteBuffer.allocate(4096);
                while (open > 0 && System.nanoTime() < deadline) {
                    selector.select(100);
                    for (SelectionKey key : selector.selectedKeys()) {
                        SocketChannel channel = (SocketChannel) key.channel();
                        ByteArrayOutputStream received = (ByteArrayOutputStream) key.attachment();
                        int read;
                        try {
                            buffer.clear();
                            read = channel.read(buffer);
                        } catch (IOException reset) {
                            read = -1;
                        }
                        if (read > 0) {
                            received.write(buffer.array(), 0, read);
                        } else if (read < 0) {
                            key.cancel();
                            open--;
                            answers.add(received.toString(StandardCharsets.ISO_8859_1));
                        }
                    }
                    selector.selectedKeys().clear();
                }
                return open == 0 ? Duration.ofNanos(System.nanoTime() - start) : null;
            }
        }

        /** What the server said before closing each connection (empty if nothing). */
        List<String> answers() {
            return answers;
        }

        @Override
        public void close() {
            for (SocketChannel channel : channels) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    /** Calls a health endpoint every 50 ms on a fresh connection and keeps the worst latency and any failure. */
    static final class Prober implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong worstNanos = new AtomicLong();
        private final AtomicLong calls = new AtomicLong();
        private final AtomicLong over100ms = new AtomicLong();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final Thread thread;

        Prober(int port, String path) {
            byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            // The first calls load and compile the health path: not what an attack does to it.
            for (int i = 0; i < 5; i++) {
                exchange(port, request, Duration.ofSeconds(5));
            }
            thread = Thread.ofPlatform().daemon().name("health-prober").start(() -> {
                while (running.get()) {
                    long start = System.nanoTime();
                    try {
                        String answer = exchange(port, request, Duration.ofSeconds(2));
                        long nanos = System.nanoTime() - start;
                        worstNanos.accumulateAndGet(nanos, Math::max);
                        calls.incrementAndGet();
                        if (nanos > 100_000_000L) {
                            over100ms.incrementAndGet();
                        }
                        if (!answer.startsWith("HTTP/1.1 200 ")) {
                            failures.add(answer.lines().findFirst().orElse("(nothing)"));
                        }
                    } catch (RuntimeException e) {
                        failures.add(e.toString());
                    }
                    sleep(50);
                }
            });
        }

        /** Forgets what was measured so far (e.g. a full GC the test itself caused). */
        void reset() {
            worstNanos.set(0);
            calls.set(0);
            over100ms.set(0);
            failures.clear();
        }

        long over100ms() {
            return over100ms.get();
        }

        Duration worst() {
            return Duration.ofNanos(worstNanos.get());
        }

        long calls() {
            return calls.get();
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    /** Keeps every log record at WARNING or above, and the access log, while installed. */
    static final class LogRecorder extends Handler implements AutoCloseable {
        private static final Logger ACCESS = Logger.getLogger("org.productservice.access");
        private final ConcurrentLinkedQueue<LogRecord> records = new ConcurrentLinkedQueue<>();
        private final Level accessLevel;

        LogRecorder() {
            accessLevel = ACCESS.getLevel();
            ACCESS.setLevel(Level.INFO);
            setLevel(Level.ALL);
            Logger.getLogger("").addHandler(this);
        }

        @Override
        public void publish(LogRecord record) {
            // The tracing tests in this JVM leave OTLP exporters that may still report a collector
            // they were pointed at; those lines are about the tests' collectors, not a client's request.
            if (record.getLoggerName() != null && record.getLoggerName().startsWith("io.opentelemetry.")) {
                return;
            }
            if (record.getLevel().intValue() >= Level.WARNING.intValue() || record.getLoggerName().equals(ACCESS.getName())) {
                records.add(record);
            }
        }

        List<LogRecord> severe() {
            return records.stream().filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        }

        List<LogRecord> warnings() {
            return records.stream().filter(r -> r.getLevel().intValue() == Level.WARNING.intValue()).toList();
        }

        List<LogRecord> withStackTraces() {
            return records.stream().filter(r -> r.getThrown() != null).toList();
        }

        List<String> accessLines() {
            return records.stream().filter(r -> r.getLoggerName().equals(ACCESS.getName()))
                    .map(r -> String.valueOf(r.getParameters()[0])).toList();
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            Logger.getLogger("").removeHandler(this);
            ACCESS.setLevel(accessLevel);
        }
    }

    /** Sends a request on a new connection and reads until the server closes it (or the timeout). */
    static String exchange(int port, byte[] request, Duration timeout) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException answeredEarly) {
                // The server may answer and close before reading everything: read what it said.
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                    answer.write(buffer, 0, read);
                }
            } catch (SocketTimeoutException e) {
                return answer.toString(StandardCharsets.ISO_8859_1) + "<still open after " + timeout.toMillis() + " ms>";
            } catch (IOException reset) {
                return answer.toString(StandardCharsets.ISO_8859_1) + "<reset>";
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Open file descriptors of this JVM. */
    static long openFileDescriptors() {
        return ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getOpenFileDescriptorCount();
    }

    /** The open-files limit of this JVM (ulimit -n). */
    static long maxFileDescriptors() {
        return ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
    }

    /** Heap in use after a full collection. */
    static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
