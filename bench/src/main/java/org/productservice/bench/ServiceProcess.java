package org.productservice.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.productservice.bench.HttpConnection.Response;

/**
 * The service, run as in production: {@code java $JAVA_OPTS -jar product-service.jar} with the
 * production configuration, only pointed at the local engine. Also reads its memory (RSS from
 * /proc, heap from its own metrics) and CPU time.
 */
final class ServiceProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final int adminPort;
    private final long startNanos;
    private final Path log;
    private final String authorization;

    private ServiceProcess(Process process, int port, int adminPort, long startNanos, Path log, String authorization) {
        this.process = process;
        this.port = port;
        this.adminPort = adminPort;
        this.startNanos = startNanos;
        this.log = log;
        this.authorization = authorization;
    }

    /**
     * How the bench's options change every service it starts: more settings, environment
     * variables (tracing), and the Authorization header its requests carry (auth).
     *
     * @param settings      further {@code -Dkey=value} configuration
     * @param environment   environment variables set for the service
     * @param authorization the Authorization header of every request to it, or null
     */
    record Setup(List<String> settings, Map<String, String> environment, String authorization) {
        static final Setup NONE = new Setup(List.of(), Map.of(), null);

        Setup {
            settings = List.copyOf(settings);
            environment = Map.copyOf(environment);
        }
    }

    /**
     * Starts the service (does not wait for it).
     *
     * @param java     the java executable
     * @param javaOpts JVM flags
     * @param jar      the service jar (its libs/ beside it)
     * @param engine   the local engine
     * @param settings further {@code -Dkey=value} configuration (e.g. {@code dynamodb.connections})
     * @param setup    auth and tracing of this run
     * @param log      where the service's output goes
     * @return the starting service
     * @throws IOException if the process cannot start
     */
    static ServiceProcess start(String java, List<String> javaOpts, Path jar, URI engine, List<String> settings,
                                Setup setup, Path log) throws IOException {
        int port = freePort();
        int adminPort = freePort();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(javaOpts);
        command.add("-Dserver.host=127.0.0.1");
        command.add("-Dserver.port=" + port);
        command.add("-Dadmin.port=" + adminPort);
        command.add("-Ddynamodb.endpoint=" + engine);
        // Production has no built-in cursor key and needs tokens; the benchmark runs without auth
        // (settings may override both, e.g. -Dauth.mode=jwt with an issuer).
        command.add("-Dauth.mode=none");
        command.add("-Dapi.cursor.secret=bench-only-cursor-key");
        command.addAll(settings);
        command.addAll(setup.settings());
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // Tracing is on only when the run asks for it: an OTEL_* variable of the shell that
        // started the bench must not export the service's spans somewhere else.
        builder.environment().keySet().removeIf(name -> name.startsWith("OTEL_"));
        builder.environment().putAll(setup.environment());
        long start = System.nanoTime();
        Process process = builder.start();
        Children.register(process);
        return new ServiceProcess(process, port, adminPort, start, log, setup.authorization());
    }

    /**
     * A port that is free now. The OS could hand it to someone else before the service binds
     * it; on loopback with ports from the ephemeral range that is rare, and the service would
     * then fail to start and say so, never serve someone else's traffic.
     */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    /** The Authorization header of requests to this service, or null. */
    String authorization() {
        return authorization;
    }

    long pid() {
        return process.pid();
    }

    long startNanos() {
        return startNanos;
    }

    /**
     * Polls until {@code target} answers 200, every 2 ms.
     *
     * @param target  path to poll
     * @param timeout how long to try
     * @return the System.nanoTime() of the first 200 answer
     * @throws IOException if it never answers 200 or the process exits
     */
    long awaitOk(String target, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("The service exited with " + process.exitValue() + "; see " + log + ":\n" + tail());
            }
            // Health and metrics are on the admin port.
            try (HttpConnection http = new HttpConnection(target.startsWith("/observe/") ? adminPort : port,
                                                          Duration.ofSeconds(5), authorization)) {
                Response response = http.send("GET", target, null, null, null);
                if (response.status() == 200) {
                    return System.nanoTime();
                }
                last = "status " + response.status();
            } catch (IOException e) {
                last = e.getMessage();
            }
            Dataset.sleep(Duration.ofMillis(2));
        }
        throw new IOException("GET " + target + " did not answer 200 within " + timeout + " (" + last + "); see " + log);
    }

    /** Resident set size in bytes, from /proc (Linux). */
    long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("No VmRSS in /proc/" + process.pid() + "/status");
    }

    /**
     * Memory now: RSS and the heap's used and committed bytes (from the service's metrics).
     *
     * @param when label of the moment
     * @return the reading
     * @throws IOException if the metrics cannot be read
     */
    Report.Memory memory(String when) throws IOException {
        long used = -1;
        long committed = -1;
        try (HttpConnection http = new HttpConnection(adminPort, Duration.ofSeconds(10), authorization)) {
            Response metrics = http.send("GET", "/observe/metrics", null, null, null);
            // Micrometer's JVM meters, one line per heap pool (eden, survivor, tenured): sum them.
            for (String line : metrics.bodyText().split("\n")) {
                if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                    used = Math.max(used, 0) + metricValue(line);
                } else if (line.startsWith("jvm_memory_committed_bytes{") && line.contains("area=\"heap\"")) {
                    committed = Math.max(committed, 0) + metricValue(line);
                }
            }
        }
        return new Report.Memory(when, rssBytes(), used, committed);
    }

    private static long metricValue(String line) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /**
     * Runs a full GC in the service ({@code jcmd <pid> GC.run}).
     *
     * @param jcmd the jcmd executable of the service's JDK
     * @throws IOException if jcmd fails
     */
    void fullGc(String jcmd) throws IOException {
        try {
            Process gc = new ProcessBuilder(jcmd, Long.toString(process.pid()), "GC.run")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!gc.waitFor(60, TimeUnit.SECONDS) || gc.exitValue() != 0) {
                gc.destroyForcibly();
                throw new IOException("jcmd " + process.pid() + " GC.run failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted", e);
        }
    }

    /** User plus system CPU time of a process so far, in seconds (Linux /proc; 0 if unreadable). */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command name, which is in parentheses and may contain spaces.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return ticks / 100.0; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * Stops the service with SIGTERM, as a container runtime does, and waits for it to exit.
     *
     * @param timeout how long to wait before killing it
     * @return true if it exited by itself
     */
    boolean stop(Duration timeout) {
        process.destroy();
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        return false;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(30));
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no output)";
        }
    }
}
