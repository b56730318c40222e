package org.productservice.auth;

import java.util.function.LongSupplier;

/**
 * How much CPU checking the signatures of tokens not seen before may take: a quarter of the
 * CPUs, over any second, after a burst of {@value #BURST_MILLIS} ms. A forged token that passes
 * every cheaper check costs a signature check (up to several ms for ES512), and each one is
 * new, so no cache helps: without a bound, a few hundred a second fill a pod's CPU. Past the
 * budget such tokens are answered 503 with {@code Retry-After} before their signature is
 * checked, at the cost of a parse. Tokens already verified never come here, so the callers the
 * service knows are served whatever the flood; only new tokens wait for the budget.
 * <p>
 * The cost charged is the wall time of each check, which counts a check slowed by a busy CPU
 * as dearer: the budget shrinks when the CPU is short, never grows.
 */
final class SignatureBudget {
    /** Checks that may run at once, as time: 200 RS256 tokens or 10 ES512 on one CPU. */
    static final long BURST_MILLIS = 200;
    /** The share of the CPUs signature checks may use, over time. */
    private static final double SHARE = 0.25;

    private final LongSupplier nanoTime;
    private final TimeBudget budget;
    /** Nanoseconds of budget one nanosecond of checking costs. */
    private final double costPerNano;

    /**
     * A full budget.
     *
     * @param cpus     processors the service may use
     * @param nanoTime {@link System#nanoTime()}, or a test's clock
     */
    SignatureBudget(int cpus, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.budget = new TimeBudget(BURST_MILLIS * 1_000_000, nanoTime.getAsLong());
        this.costPerNano = 1 / (Math.max(cpus, 1) * SHARE);
    }

    /**
     * Starts a check if the budget allows one.
     *
     * @return the start, to pass to {@link #charge(long)}
     * @throws SignatureChecksBusyException 503 if it is used up
     */
    long start() {
        long now = nanoTime.getAsLong();
        if (!budget.available(now)) {
            throw new SignatureChecksBusyException();
        }
        return now;
    }

    /**
     * Charges a check that has ended.
     *
     * @param start what {@link #start()} returned
     */
    void charge(long start) {
        long now = nanoTime.getAsLong();
        budget.charge(now, (long) ((now - start) * costPerNano));
    }
}
