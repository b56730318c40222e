package org.productservice.bench;

import java.util.List;
import java.util.OptionalDouble;

/**
 * The warm-up curve (throughput in consecutive steps from the first request after start-up) and
 * when the service became warm: the end of the first step from which every step reaches at least
 * 90 % of the steady throughput. The end, not the start, of that step: its mean says the service
 * was warm somewhere inside it, so the figure errs on the late side by at most one step.
 *
 * @param stepSeconds length of one step
 * @param throughputs requests/s of each step, in order
 * @param steady      the steady throughput the curve is compared with
 * @param steadyFrom  where {@code steady} comes from, for the report
 */
record WarmUp(double stepSeconds, List<Double> throughputs, double steady, String steadyFrom) {
    /** "Within 10 % of steady throughput" (issue 14). */
    static final double WARM_FRACTION = 0.9;

    WarmUp {
        throughputs = List.copyOf(throughputs);
    }

    /**
     * Seconds from the first request until warm, or empty if the curve never stays within 10 %
     * of the steady throughput (still warming when the curve ends).
     */
    OptionalDouble warmAtSeconds() {
        if (throughputs.isEmpty() || !(steady > 0)) {
            return OptionalDouble.empty();
        }
        int first = throughputs.size();
        for (int i = throughputs.size() - 1; i >= 0 && throughputs.get(i) >= WARM_FRACTION * steady; i--) {
            first = i;
        }
        return first == throughputs.size() ? OptionalDouble.empty() : OptionalDouble.of((first + 1) * stepSeconds);
    }

    /**
     * The curve's own plateau when nothing better is known: the median of its last third
     * (at least one step). It underestimates steady throughput when the curve ends while the JIT
     * is still compiling, which is why a later measurement of the same load is preferred.
     */
    static double plateau(List<Double> throughputs) {
        if (throughputs.isEmpty()) {
            return Double.NaN;
        }
        int tail = Math.max(1, throughputs.size() / 3);
        return Report.median(throughputs.subList(throughputs.size() - tail, throughputs.size()));
    }

    /** The report's line, e.g. "warm at 15 s" or "not warm within 30 s". */
    String summary() {
        OptionalDouble at = warmAtSeconds();
        String against = "within 10 % of " + Report.fmt(steady, 0) + " req/s, " + steadyFrom;
        return at.isPresent()
                ? "Warm at " + Report.fmt(at.getAsDouble(), 0) + " s from the first request (" + against + ")."
                : "Not warm within " + Report.fmt(throughputs.size() * stepSeconds, 0) + " s of the first request ("
                          + against + ").";
    }
}
