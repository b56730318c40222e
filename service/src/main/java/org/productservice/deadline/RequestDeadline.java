package org.productservice.deadline;

import java.time.Duration;
import java.util.Optional;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

/**
 * One deadline for all the DynamoDB calls of a request ({@code limits.deadline}): without it, a
 * request making several calls (an idempotent create makes up to five) could take several times
 * {@code dynamodb.timeout.call}. {@link DeadlineInterceptor} gives each call only the time left.
 *
 * <p>The clock starts at the request's first DynamoDB call, that is once its body has been read:
 * a slow upload has its own limit ({@code connections.timeout.body}) and must not eat the time
 * the storage calls get, or a client on a slow link could never create anything.
 *
 * <p>The request's budget travels to the SDK in a thread-local: the handler and its DynamoDB
 * calls run on the request's own (virtual) thread, and the synchronous client runs its
 * interceptors on the caller's thread. It is set and removed around the rest of the chain, so it
 * can never be seen by another request, nor by calls made outside a request (health checks, the
 * table bootstrap), which keep their own timeouts. The budget is also registered in the request's
 * context, where the error handling, which runs after this filter has returned, finds it.
 */
public final class RequestDeadline implements Filter {
    private static final ThreadLocal<Budget> CURRENT = new ThreadLocal<>();

    private final Duration deadline;

    /**
     * Creates the filter.
     *
     * @param deadline time all the DynamoDB calls of one request may take together
     */
    public RequestDeadline(Duration deadline) {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("limits.deadline must be positive");
        }
        this.deadline = deadline;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Budget budget = new Budget(deadline.toNanos());
        req.context().register(budget);
        within(budget, chain::proceed);
    }

    /** Runs work with the budget as this thread's; removed afterwards whatever happens. */
    static void within(Budget budget, Runnable work) {
        CURRENT.set(budget);
        try {
            work.run();
        } finally {
            CURRENT.remove();
        }
    }

    /**
     * Whether a request's deadline has passed: its storage failure is then the deadline's doing.
     *
     * @param req the request
     * @return true once the request's DynamoDB time is used up
     */
    public static boolean passed(ServerRequest req) {
        return req.context().get(Budget.class).map(Budget::passed).orElse(false);
    }

    /** The budget of the request running on this thread; empty outside a request. */
    static Optional<Budget> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /**
     * The DynamoDB time of one request. Only the request's own thread uses it (the filter, the
     * SDK's interceptor on that thread, then the error handling), so it needs no synchronisation.
     */
    static final class Budget {
        private final long lengthNanos;
        private long startNanos;
        private boolean started;

        Budget(long lengthNanos) {
            this.lengthNanos = lengthNanos;
        }

        /** Time left; the first call starts the clock. */
        Duration remaining() {
            long now = System.nanoTime();
            if (!started) {
                started = true;
                startNanos = now;
            }
            return Duration.ofNanos(lengthNanos - (now - startNanos));
        }

        boolean passed() {
            return started && System.nanoTime() - startNanos >= lengthNanos;
        }
    }
}
