package org.productservice.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.productservice.logging.LogFormat;

/**
 * What one logger writes while the capture is open, kept as text (and not sent to the console of
 * the test run); closing it gives the logger back its level and handlers:
 * <pre>
 * try (LogCapture access = LogCapture.access(LogFormat.JSON)) {
 *     api.get(...);
 *     ... access.lines() ...
 * }
 * </pre>
 */
public final class LogCapture implements AutoCloseable {
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final List<Logger> loggers = new ArrayList<>();
    private final Logger logger;
    private final Level level;
    private final boolean useParentHandlers;
    private final Handler handler;

    private LogCapture(String name, List<Function<LogRecord, String>> views) {
        this.logger = Logger.getLogger(name);
        this.level = logger.getLevel();
        this.useParentHandlers = logger.getUseParentHandlers();
        this.handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                views.forEach(view -> lines.add(view.apply(record)));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.setLevel(Level.INFO);
        logger.setUseParentHandlers(false);
        attach(logger);
    }

    /**
     * Captures the access log, each record once in each of the given formats.
     *
     * @param formats e.g. {@code TEXT, JSON}: two lines a record, in that order
     * @return the open capture
     */
    public static LogCapture access(LogFormat... formats) {
        return new LogCapture("org.productservice.access",
                              List.of(formats).stream().<Function<LogRecord, String>>map(f -> f.formatter()::format).toList());
    }

    /**
     * Captures the messages (unformatted) a logger writes at INFO and above.
     *
     * @param name logger name
     * @return the open capture
     */
    public static LogCapture messages(String name) {
        return new LogCapture(name, List.of(LogRecord::getMessage));
    }

    /**
     * Also captures what another logger writes, on top of its own handlers.
     *
     * @param name logger name, {@code ""} for the root
     * @return this capture
     */
    public LogCapture alsoFrom(String name) {
        attach(Logger.getLogger(name));
        return this;
    }

    /** The lines so far: a synchronized list, to be iterated under its lock. */
    public List<String> lines() {
        return lines;
    }

    private void attach(Logger target) {
        loggers.add(target);
        target.addHandler(handler);
    }

    @Override
    public void close() {
        loggers.forEach(target -> target.removeHandler(handler));
        logger.setUseParentHandlers(useParentHandlers);
        logger.setLevel(level);
    }
}
