package org.productservice.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Ends a process a test started: politely first (SIGTERM), then by force. */
public final class Processes {
    private Processes() {
    }

    /**
     * Asks the process to end and kills it when it has not ended within the grace period.
     *
     * @param process the process
     * @param grace   how long it may take to end by itself
     */
    public static void stop(Process process, Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
