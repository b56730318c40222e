package org.productservice.http;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Logs refusals at WARNING, at most one line per listener, status and reason each second, with
 * the number refused since the last line: a flood of refusals (a lock-out, a scan) shows in the
 * log at once and cannot flood it. The first refusal after a quiet second is logged at once; the
 * rest of a burst is logged by a background flush within about a second.
 */
public final class RefusalLog {
    private static final System.Logger LOGGER = System.getLogger("org.productservice.refusals");
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final RefusalLog SHARED = new RefusalLog(System::nanoTime,
                                                            line -> LOGGER.log(Level.WARNING, line), true);

    private final LongSupplier clock;
    private final Consumer<String> sink;
    private final boolean flushInBackground;
    private final Map<Key, Window> windows = new ConcurrentHashMap<>();
    private final AtomicBoolean flushing = new AtomicBoolean();

    RefusalLog(LongSupplier clock, Consumer<String> sink, boolean flushInBackground) {
        this.clock = clock;
        this.sink = sink;
        this.flushInBackground = flushInBackground;
    }

    /**
     * The log of the process (logger {@code org.productservice.refusals}).
     *
     * @return the shared log
     */
    public static RefusalLog shared() {
        return SHARED;
    }

    /**
     * Notes one refusal.
     *
     * @param listener the listener that refused
     * @param status   the status answered
     * @param reason   why, e.g. {@code concurrency_limit}
     */
    public void note(String listener, int status, String reason) {
        Window window = windows.computeIfAbsent(new Key(listener, status, reason), key -> new Window());
        window.pending.incrementAndGet();
        long now = clock.getAsLong();
        long last = window.lastLine.get();
        if (now - last >= SECOND && window.lastLine.compareAndSet(last, now)) {
            write(window, now - last, new Key(listener, status, reason));
        } else if (flushInBackground && flushing.compareAndSet(false, true)) {
            Flusher.SCHEDULER.scheduleWithFixedDelay(this::flush, 1, 1, TimeUnit.SECONDS);
        }
    }

    /** Writes a line for every window with refusals not yet logged and a quiet second behind it. */
    void flush() {
        long now = clock.getAsLong();
        windows.forEach((key, window) -> {
            long last = window.lastLine.get();
            if (window.pending.get() > 0 && now - last >= SECOND && window.lastLine.compareAndSet(last, now)) {
                write(window, now - last, key);
            }
        });
    }

    private void write(Window window, long sinceLast, Key key) {
        long count = window.pending.getAndSet(0);
        if (count == 0) {
            return;
        }
        String period = sinceLast >= 0 && sinceLast < 60 * SECOND && window.logged
                ? "in the last " + Math.round(sinceLast / 1e8) / 10.0 + " s"
                : "just now";
        window.logged = true;
        sink.accept("Refused " + count + (count == 1 ? " request " : " requests ") + period + " with "
                            + key.status + " (" + key.reason + ") on listener " + key.listener);
    }

    private record Key(String listener, int status, String reason) {
    }

    private static final class Window {
        private final AtomicLong pending = new AtomicLong();
        // Long.MIN_VALUE / 2: "long ago", without overflowing now - lastLine
        private final AtomicLong lastLine = new AtomicLong(Long.MIN_VALUE / 2);
        private volatile boolean logged;
    }

    private static final class Flusher {
        private static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon(true).name("refusal-log").factory());
    }
}
