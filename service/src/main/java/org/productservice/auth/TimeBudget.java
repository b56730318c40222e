package org.productservice.auth;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A budget of time, as a generic cell rate algorithm (a token bucket kept in one number, read and
 * changed without a lock): it holds the time at which the budget would be full again. Spending is
 * allowed while that time is at most {@code tolerance} ahead of now; each spending moves it on by
 * its cost. So over any period the costs add up to at most the period plus the tolerance.
 */
final class TimeBudget {
    private final long toleranceNanos;
    private final AtomicLong fullAt;

    /**
     * A full budget.
     *
     * @param toleranceNanos what may be spent at once
     * @param now            {@link System#nanoTime()}
     */
    TimeBudget(long toleranceNanos, long now) {
        this.toleranceNanos = toleranceNanos;
        this.fullAt = new AtomicLong(now);
    }

    /**
     * Whether something may be spent now.
     *
     * @param now {@link System#nanoTime()}
     * @return true if the budget is not used up
     */
    boolean available(long now) {
        return fullAt.get() - toleranceNanos - now <= 0;
    }

    /**
     * Spends {@code cost} if the budget allows it now.
     *
     * @param now  {@link System#nanoTime()}
     * @param cost what is spent
     * @return false (and nothing spent) if the budget is used up
     */
    boolean tryTake(long now, long cost) {
        while (true) {
            long full = fullAt.get();
            if (full - toleranceNanos - now > 0) {
                return false;
            }
            if (fullAt.compareAndSet(full, Math.max(full, now) + cost)) {
                return true;
            }
        }
    }

    /**
     * Charges what was spent after {@link #available} allowed it (a cost known only afterwards).
     *
     * @param now  {@link System#nanoTime()}
     * @param cost what was spent
     */
    void charge(long now, long cost) {
        fullAt.accumulateAndGet(cost, (full, spent) -> Math.max(full, now) + spent);
    }

    /**
     * How long until something may be spent again.
     *
     * @param now {@link System#nanoTime()}
     * @return nanoseconds, 0 if now
     */
    long untilAvailable(long now) {
        return Math.max(fullAt.get() - toleranceNanos - now, 0);
    }
}
