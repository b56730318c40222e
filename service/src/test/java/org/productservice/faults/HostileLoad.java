package org.productservice.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tools of {@link HostileLoadTest}: legitimate clients that measure what they get while an attack
 * runs, and the attackers (socket scripts that send or read slowly, or hold connections).
 */
final class HostileLoad {
    private HostileLoad() {
    }

    /** What the legitimate clients got. */
    record Outcome(long calls, long succeeded, Duration p99, List<String> failures) {
        double successRate() {
            return calls == 0 ? 0 : (double) succeeded / calls;
        }

        @Override
        public String toString() {
            return String.format("%d calls, %.1f %% succeeded, p99 %d ms, first failures %s", calls, 100 * successRate(),
                                 p99.toMillis(), failures.subList(0, Math.min(3, failures.size())));
        }
    }

    /**
     * Legitimate clients: each thread sends its request on a new connection ({@code Connection: close}),
     * one after the other, for the duration, and counts the answers with the expected status.
     */
    static Outcome legitimate(int port, int threads, Duration duration, String request, String expected)
            throws InterruptedException {
        byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicLong succeeded = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            clients.add(Thread.ofPlatform().daemon().name("legitimate-" + i).start(() -> {
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    String answer;
                    try {
                        answer = HostileConnections.exchange(port, bytes, Duration.ofSeconds(3));
                    } catch (RuntimeException e) {
                        answer = e.toString();
                    }
                    latencies.add(System.nanoTime() - start);
                    if (answer.startsWith("HTTP/1.1 " + expected + " ")) {
                        succeeded.incrementAndGet();
                    } else {
                        failures.add(answer.lines().findFirst().orElse("(nothing)"));
                    }
                    HostileConnections.sleep(20);
                }
            }));
        }
        for (Thread client : clients) {
            client.join();
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        Duration p99 = sorted.length == 0 ? Duration.ZERO
                : Duration.ofNanos(sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)]);
        return new Outcome(sorted.length, succeeded.get(), p99, List.copyOf(failures));
    }

    /**
     * Attackers, each on a connection of its own, running a script until closed; a connection the
     * server closes is opened again (the attacker comes back), after a pause.
     */
    static final class Attack implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong connections = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();
        private final ConcurrentLinkedQueue<Socket> open = new ConcurrentLinkedQueue<>();

        /** One attacker's behaviour on one connection; returns when the connection is closed. */
        interface Script {
            void run(Socket socket, InputStream in, OutputStream out, AtomicBoolean running) throws IOException;
        }

        static Attack start(int port, int count, int receiveBuffer, boolean reconnect, Script script) {
            Attack attack = new Attack();
            for (int i = 0; i < count; i++) {
                attack.threads.add(Thread.ofVirtual().name("attacker-" + i).start(() -> {
                    do {
                        try (Socket socket = new Socket()) {
                            if (receiveBuffer > 0) {
                                socket.setReceiveBufferSize(receiveBuffer);
                            }
                            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                            attack.open.add(socket);
                            attack.connections.incrementAndGet();
                            script.run(socket, socket.getInputStream(), socket.getOutputStream(), attack.running);
                        } catch (IOException closedByTheServer) {
                            // expected: the server cut it
                        }
                        HostileConnections.sleep(200);
                    } while (reconnect && attack.running.get());
                }));
            }
            return attack;
        }

        /** Connections the attackers opened so far. */
        long connections() {
            return connections.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Socket socket : open) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            for (Thread thread : threads) {
                thread.join(5000);
            }
        }
    }

    /** Reads one response (head, then Content-Length bytes); returns its head, or null at the end of the stream. */
    static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.append((char) b);
        }
        String text = head.toString();
        int at = text.toLowerCase().indexOf("content-length: ");
        long length = at < 0 ? 0 : Long.parseLong(text.substring(at + 16, text.indexOf("\r\n", at)).trim());
        byte[] skip = new byte[8192];
        while (length > 0) {
            int read = in.read(skip, 0, (int) Math.min(skip.length, length));
            if (read < 0) {
                return null;
            }
            length -= read;
        }
        return text;
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static void pause(long millis, AtomicBoolean running) {
        long end = System.currentTimeMillis() + millis;
        while (running.get() && System.currentTimeMillis() < end) {
            HostileConnections.sleep(Math.min(50, Math.max(1, end - System.currentTimeMillis())));
        }
    }
}
