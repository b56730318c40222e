package org.productservice.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.productservice.testing.Api;
import org.productservice.testing.Processes;
import org.productservice.testing.TestEngine;

/**
 * The service in a JVM of its own with the Deployment's memory settings (a 640 MiB container,
 * heap 25 % of it, SerialGC, exit on out-of-memory), on the test engine: for runs that measure the
 * process itself (heap, file descriptors) or may kill it.
 */
final class ChildService implements AutoCloseable {
    private final Process process;
    private final int port;
    private final int adminPort;

    private ChildService(Process process, int port, int adminPort) {
        this.process = process;
        this.port = port;
        this.adminPort = adminPort;
    }

    static ChildService start(String maxConnections) throws IOException, InterruptedException {
        ChildService child = launch(Map.of("connections.max", maxConnections), 0, ProcessBuilder.Redirect.DISCARD);
        child.awaitReady();
        return child;
    }

    /**
     * Starts the service under an open-files limit ({@code ulimit -n}), without waiting for it.
     *
     * @param settings  {@code -D} configuration
     * @param openFiles the limit, 0 for the inherited one
     * @param output    where its console goes
     * @return the starting service
     */
    static ChildService launch(Map<String, String> settings, int openFiles, ProcessBuilder.Redirect output) throws IOException {
        int port = freePort();
        int adminPort = freePort();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        List<String> command = new ArrayList<>();
        if (openFiles > 0) {
            command.addAll(List.of("bash", "-c", "ulimit -n " + openFiles + " && exec \"$@\"", "child-service"));
        }
        Map<String, String> all = new HashMap<>(Map.of(
                "server.port", Integer.toString(port),
                "admin.port", Integer.toString(adminPort),
                "dynamodb.endpoint", TestEngine.get().endpoint(),
                "dynamodb.table.products", "child-products-" + suffix,
                "dynamodb.table.idempotency", "child-idempotency-" + suffix));
        all.putAll(settings);
        command.addAll(javaMain(List.of("-XX:MaxRAM=640m", "-Xmx80m", "-XX:TrimNativeHeapInterval=2000", "-XX:+UseSerialGC",
                                        "-XX:+ExitOnOutOfMemoryError"), all));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output).start();
        return new ChildService(process, port, adminPort);
    }

    /**
     * The command that runs {@code Main} from this JVM's class path, as {@code make run} does
     * (local profile, text logs, loopback only).
     *
     * @param jvmOptions options of the JVM, e.g. its memory
     * @param settings   {@code -D} configuration
     * @return the command line
     */
    static List<String> javaMain(List<String> jvmOptions, Map<String, String> settings) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                               "-Dconfig.profile=local",
                               "-Dlog.format=text",
                               "-Dserver.host=127.0.0.1"));
        settings.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("org.productservice.Main");
        return command;
    }

    /**
     * Waits until a service process answers ready on its admin port.
     *
     * @param adminPort its admin port
     * @param process   the process, whose end stops the wait
     * @param within    longest wait
     * @return whether it became ready
     */
    static boolean awaitReady(int adminPort, Process process, Duration within) throws InterruptedException {
        Api admin = Api.admin(adminPort);
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (admin.get("/observe/health/ready").status() == 200) {
                    return true;
                }
            } catch (UncheckedIOException notListeningYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        return false;
    }

    /** Waits until the service is ready. */
    void awaitReady() throws InterruptedException {
        if (!awaitReady(adminPort, process, Duration.ofSeconds(90))) {
            close();
            throw new AssertionError("the child service did not become ready");
        }
    }

    /**
     * Waits for the process to end.
     *
     * @param within longest wait
     * @return its exit code
     */
    int awaitExit(Duration within) throws InterruptedException {
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the child service is still running after " + within);
        }
        return process.exitValue();
    }

    int port() {
        return port;
    }

    int adminPort() {
        return adminPort;
    }

    boolean alive() {
        return process.isAlive();
    }

    long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return fds.count();
        }
    }

    /** Heap in use after a full collection (jcmd GC.run, then the metrics). */
    long heapAfterGc() throws IOException, InterruptedException {
        Path jcmd = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("jcmd");
        Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "GC.run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        gc.waitFor(30, TimeUnit.SECONDS);
        return metric("jvm_memory_used_bytes\\{area=\"heap\"");
    }

    /** The sum of a metric's samples whose name and first labels match the pattern. */
    long metric(String prefix) {
        String text = Api.admin(adminPort).get("/observe/metrics", "Accept", "text/plain").body();
        Matcher matcher = Pattern.compile("(?m)^" + prefix + "[^}]*} ([0-9.E+]+)").matcher(text);
        double sum = 0;
        while (matcher.find()) {
            sum += Double.parseDouble(matcher.group(1));
        }
        return (long) sum;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        Processes.stop(process, Duration.ofSeconds(30));
    }
}
