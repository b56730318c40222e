package org.productservice.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The processes this benchmark started. A shutdown hook kills any that are still running, so
 * that Ctrl-C or a failure never leaves a service or an engine behind.
 */
final class Children {
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "kill-children"));
    }

    private Children() {
    }

    static void register(Process process) {
        RUNNING.add(process);
        process.onExit().thenRun(() -> RUNNING.remove(process));
    }

    /** Copies a child's remaining output to a log file (or drops it when the file cannot be written). */
    static void drain(BufferedReader out, Path log) {
        try (var writer = Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                                                  StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                writer.write(line);
                writer.newLine();
            }
        } catch (IOException ignored) {
            // The child exited or the log is not writable; either way there is nothing to keep.
        }
    }
}
