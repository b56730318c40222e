package org.productservice.server;

import java.time.Duration;

import io.helidon.config.Config;

import static org.productservice.config.ConfigKeys.duration;
import static org.productservice.config.ConfigKeys.integer;
import static org.productservice.config.ConfigKeys.longInteger;
import static org.productservice.config.ConfigKeys.positiveDuration;

/**
 * Limits of the API listener and of each request ({@code limits.*}, {@code shutdown.grace},
 * {@code errors.retry.after}, {@code docs.concurrency}); defaults in {@code application.yaml}.
 *
 * @param bodyBytes       largest request body (the server's own default is unlimited)
 * @param headerBytes     largest request header block
 * @param concurrency     requests served at once
 * @param queue           requests that may wait for a slot; beyond that, an immediate 503
 * @param queueWait       longest wait for a slot before a 503
 * @param deadline        time all the DynamoDB calls of one request may take together
 * @param shutdownGrace   how long in-flight requests may finish after SIGTERM
 * @param retryAfter      Retry-After of 503 answers
 * @param docsConcurrency /docs and /openapi requests served at once, out of {@code concurrency}
 */
public record LimitSettings(long bodyBytes, int headerBytes, int concurrency, int queue, Duration queueWait,
                            Duration deadline, Duration shutdownGrace, Duration retryAfter, int docsConcurrency) {
    /** Checks the limits. */
    public LimitSettings {
        if (bodyBytes < 1 || headerBytes < 1024 || concurrency < 1 || queue < 0) {
            throw new IllegalArgumentException("limits.body and limits.concurrency must be positive, limits.headers "
                                                       + "at least 1024 and limits.queue not negative");
        }
        if (docsConcurrency < 1) {
            throw new IllegalArgumentException("docs.concurrency (DOCS_CONCURRENCY) must be positive");
        }
    }

    /**
     * Reads the limits.
     *
     * @param root root configuration
     * @return the limits
     * @throws IllegalArgumentException naming the key and its variable, when one is missing or invalid
     */
    public static LimitSettings create(Config root) {
        Config limits = root.get("limits");
        return new LimitSettings(longInteger(limits.get("body")),
                                 integer(limits.get("headers")),
                                 integer(limits.get("concurrency")),
                                 integer(limits.get("queue")),
                                 duration(limits.get("wait")),
                                 positiveDuration(limits.get("deadline")),
                                 duration(root.get("shutdown.grace")),
                                 duration(root.get("errors.retry.after")),
                                 integer(root.get("docs.concurrency")));
    }
}
