package org.productservice.observability;

import java.time.Duration;

/**
 * The histogram buckets of every latency the service records (HTTP requests, DynamoDB calls):
 * one set, so a request's distribution lines up with its calls' in the same dashboard.
 */
public final class LatencyBuckets {
    private static final Duration[] BOUNDS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5)};

    private LatencyBuckets() {
    }

    /**
     * The bucket bounds, 1 ms to 5 s.
     *
     * @return a fresh copy of the bounds
     */
    public static Duration[] bounds() {
        return BOUNDS.clone();
    }
}
