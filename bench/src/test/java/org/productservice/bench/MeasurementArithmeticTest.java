package org.productservice.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MeasurementArithmeticTest {
    private static LoadRunner.Result result(long requests, long errors, Duration elapsed, long slowestMicros, long... micros) {
        Histogram latency = new Histogram(60_000_000L, 3);
        for (long m : micros) {
            latency.recordValue(m);
        }
        return new LoadRunner.Result(requests, errors, elapsed, latency, null, slowestMicros);
    }

    @Test
    void cpuPerRequestIsCpuTimeOverTheCellDividedByRequests() {
        // Half a core for 2 s is 1 s of CPU; over 1,000 requests that is 1,000 µs each.
        assertThat(Report.cpuMicrosPerRequest(0.5, Duration.ofSeconds(2), 1_000)).isCloseTo(1_000.0, within(1e-9));
        // 1.2 cores for 5 s over 10,000 requests: 600 µs.
        assertThat(Report.cpuMicrosPerRequest(1.2, Duration.ofSeconds(5), 10_000)).isCloseTo(600.0, within(1e-9));
        assertThat(Report.cpuMicrosPerRequest(0.5, Duration.ofSeconds(2), 0)).isNaN();
    }

    @Test
    void serviceRowsChargeTheServiceAndDirectRowsTheEngine() {
        LoadRunner.Result r = result(2_000, 0, Duration.ofSeconds(2), 900, 500, 900);
        Map<String, Double> cpu = Map.of("service", 0.6, "engine", 0.3, "bench", 0.9);

        Report.LoadRow service = new Report.LoadRow("Throughput", "get", 16, "service", r, cpu);
        Report.LoadRow direct = new Report.LoadRow("Throughput", "get", 16, "direct", r, cpu);

        assertThat(service.answering()).isEqualTo("service");
        assertThat(service.cpuMicrosPerRequest()).isCloseTo(600.0, within(1e-9));
        assertThat(direct.answering()).isEqualTo("engine");
        assertThat(direct.cpuMicrosPerRequest()).isCloseTo(300.0, within(1e-9));
        assertThat(new Report.LoadRow("x", "get", 1, "direct", r, Map.of("bench", 1.0)).cpuMicrosPerRequest()).isNaN();
    }

    @Test
    void maximumLatencyCountsFailedRequestsToo() {
        // Successful requests took at most 2 ms; a 503 after a deadline took 3.2 s.
        LoadRunner.Result r = result(2, 1, Duration.ofSeconds(1), 3_200_000, 1_000, 2_000);

        assertThat(r.maxMillis()).isEqualTo(3_200.0);
        assertThat(r.millis(100)).isCloseTo(2.0, within(0.01));
        assertThat(result(0, 0, Duration.ofSeconds(1), 0).maxMillis()).isNaN();
    }

    @Test
    void markdownHasCpuPerRequestAndMaximumColumns() {
        Report report = new Report();
        Map<String, Double> cpu = Map.of("service", 0.6, "engine", 0.3);
        report.add(new Report.LoadRow("Throughput and latency", "get", 16, "service",
                                      result(2_000, 0, Duration.ofSeconds(2), 45_000, 500, 45_000), cpu, 0.25));
        report.add(new Report.LoadRow("Throughput and latency", "get", 16, "direct",
                                      result(4_000, 0, Duration.ofSeconds(2), 9_000, 300, 9_000), cpu));

        String md = report.markdown();

        assertThat(md).contains("| max ms | Errors | Service CPU µs/req |", "| Engine CPU µs/req (direct) |", "Spans/req |");
        // Service: 0.6 cores × 2 s / 2,000 = 600 µs, max 45 ms; direct: 0.3 × 2 / 4,000 = 150 µs, max 9 ms
        // (percentiles are HdrHistogram bucket values, 3 significant digits: 9.01 for 9,000 µs).
        assertThat(md).contains("| get | 16 | 1,000 | 0.50 | 45.02 | 45.02 | 45.00 | 0 | 600 | 2,000 | 0.30 | 9.01 | 9.01 | 9.00 | 0 | 150 | 0.50 | 0.60 + 0.30 | 0.25 |");
    }

    @Test
    void warmAtIsTheEndOfTheFirstStepFromWhichTheCurveStaysWithinTenPercent() {
        List<Double> curve = List.of(144.0, 300.0, 508.0, 565.0, 590.0, 525.0);

        // 90 % of 580 is 522: steps 4–6 (15–30 s) stay above it, step 3 (508) does not.
        assertThat(new WarmUp(5, curve, 580, "test").warmAtSeconds()).hasValue(20.0);
        // 90 % of 600 is 540: the last step falls below again, so it is not warm yet.
        assertThat(new WarmUp(5, curve, 600, "test").warmAtSeconds()).isEmpty();
        // Warm from the first step.
        assertThat(new WarmUp(2, List.of(950.0, 1_000.0), 1_000, "test").warmAtSeconds()).hasValue(2.0);
        assertThat(new WarmUp(5, List.of(), 1_000, "test").warmAtSeconds()).isEmpty();
        assertThat(new WarmUp(5, curve, Double.NaN, "test").warmAtSeconds()).isEmpty();
    }

    @Test
    void aDipAfterReachingSteadyThroughputDelaysWarm() {
        List<Double> curve = List.of(900.0, 950.0, 500.0, 960.0, 1_000.0);

        assertThat(new WarmUp(5, curve, 1_000, "test").warmAtSeconds()).hasValue(20.0);
    }

    @Test
    void plateauIsTheMedianOfTheCurvesLastThird() {
        assertThat(WarmUp.plateau(List.of(100.0, 200.0, 300.0, 400.0, 500.0, 450.0))).isEqualTo(475.0);
        assertThat(WarmUp.plateau(List.of(100.0, 200.0))).isEqualTo(200.0);
        assertThat(WarmUp.plateau(List.of())).isNaN();
    }

    @Test
    void summarySaysWhenAndAgainstWhat() {
        List<Double> curve = List.of(144.0, 300.0, 508.0, 565.0, 590.0, 525.0);

        assertThat(new WarmUp(5, curve, 580, "GET/16 in the matrix").summary())
                .isEqualTo("Warm at 20 s from the first request (within 10 % of 580 req/s, GET/16 in the matrix).");
        assertThat(new WarmUp(5, curve, 600, "GET/16 in the matrix").summary())
                .isEqualTo("Not warm within 30 s of the first request (within 10 % of 600 req/s, GET/16 in the matrix).");
    }

    @Test
    void authAndTracingOptionsParse() {
        BenchOptions plain = BenchOptions.parse(new String[] {});
        BenchOptions both = BenchOptions.parse(new String[] {"--auth=jwt", "--tracing=0.1", "--warmup-step=2s"});

        assertThat(plain.jwtAuth()).isFalse();
        assertThat(plain.tracingRatio()).isZero();
        assertThat(plain.authLabel()).isEqualTo("auth off");
        assertThat(plain.tracingLabel()).isEqualTo("tracing off");
        assertThat(both.jwtAuth()).isTrue();
        assertThat(both.tracingRatio()).isEqualTo(0.1);
        assertThat(both.warmupStep()).isEqualTo(Duration.ofSeconds(2));
        assertThat(both.authLabel()).isEqualTo("auth on (JWT, RS256)");
        assertThat(both.tracingLabel()).isEqualTo("tracing on (sampling ratio 0.1)");
        assertThat(BenchOptions.tracing("1.0")).isEqualTo(1.0);
        assertThat(BenchOptions.tracing("off")).isZero();
        for (String bad : List.of("0", "1.5", "-0.1", "sometimes")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchOptions.tracing(bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--tracing");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchOptions.auth("basic"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--auth is off or jwt");
    }

    @Test
    void slowestNoteNamesTheCellAndChecksTheDeadlinePlusMargin() {
        Report report = new Report();
        Map<String, Double> cpu = Map.of("service", 0.5);
        report.add(new Report.LoadRow("Throughput", "get", 16, "service", result(100, 0, Duration.ofSeconds(1), 120_000, 1_000), cpu));
        report.add(new Report.LoadRow("Throughput", "post", 64, "service", result(100, 2, Duration.ofSeconds(1), 3_400_000, 1_000), cpu));
        report.add(new Report.LoadRow("Throughput", "post", 64, "direct", result(100, 0, Duration.ofSeconds(1), 3_900_000, 1_000), cpu));

        assertThat(report.slowestNote(null, Duration.ZERO))
                .isEqualTo("Slowest request of the run: 3,900.0 ms (post, 64 conn, direct).");
        // Only the service's answers are held to its deadline: 3,400 ms > 3,000 + 250.
        assertThat(report.slowestNote(Duration.ofSeconds(3), Duration.ofMillis(250)))
                .endsWith("Deadline 3,000 ms + margin 250 ms: **later answers** in post/64 3,400 ms.");
        assertThat(report.slowestNote(Duration.ofSeconds(3), Duration.ofMillis(500)))
                .endsWith("Deadline 3,000 ms + margin 500 ms: no service answer later.");
        assertThat(new Report().slowestNote(null, Duration.ZERO)).isNull();
    }
}
