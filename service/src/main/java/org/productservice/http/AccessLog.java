package org.productservice.http;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The access log: one line per request, on the {@code org.productservice.access} logger, written
 * once the response is sent ({@link RequestObserver}) or when the server answers before routing
 * ({@link Refusals}). The log formatters render the line's {@link AccessLogEntry} as fields (JSON)
 * or as its text.
 */
public final class AccessLog {
    private static final Logger ACCESS = Logger.getLogger("org.productservice.access");

    private AccessLog() {
    }

    /** Whether access lines are written at all: when not, nothing needs to be gathered for one. */
    static boolean enabled() {
        return ACCESS.isLoggable(Level.INFO);
    }

    /**
     * Writes one access-log line.
     *
     * @param entry the line
     */
    static void write(AccessLogEntry entry) {
        if (ACCESS.isLoggable(Level.INFO)) {
            LogRecord line = new LogRecord(Level.INFO, "{0}");
            line.setLoggerName(ACCESS.getName());
            line.setParameters(new Object[] {entry});
            ACCESS.log(line);
        }
    }
}
