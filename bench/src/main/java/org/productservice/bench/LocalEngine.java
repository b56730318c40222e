package org.productservice.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The local engine (dynalite, in memory) on a port the OS picks. It is started with
 * {@code --exit-with-stdin}: it stops when this process closes the pipe, and also when this
 * process dies in any way, so a benchmark never leaves an engine behind.
 */
final class LocalEngine implements AutoCloseable {
    private final Process process;
    private final int port;

    private LocalEngine(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts the engine and waits until it listens.
     *
     * @param node   the node executable
     * @param script {@code local/engine.js}
     * @param log    where the engine's output goes after its first line
     * @return the running engine
     * @throws IOException if it does not start
     */
    static LocalEngine start(String node, Path script, Path log) throws IOException {
        Process process = new ProcessBuilder(List.of(node, script.toString(), "--port", "0", "--exit-with-stdin"))
                .redirectErrorStream(true)
                .start();
        Children.register(process);
        var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("dynalite listening on ")) {
            process.destroyForcibly();
            throw new IOException("The local engine did not start (" + line + "); did `make engine-deps` run?");
        }
        int port = Integer.parseInt(line.substring("dynalite listening on ".length()).trim());
        // Keep draining its output so that it can never block on a full pipe.
        Thread.ofVirtual().name("engine-output").start(() -> Children.drain(out, log));
        return new LocalEngine(process, port);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
