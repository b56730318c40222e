package org.productservice.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class CompareTest {
    @TempDir
    Path dir;

    private Path run(String name, String auth, long getRequests, double getCores, long p99Micros) throws IOException {
        Report report = new Report();
        report.machine("auth", auth);
        String section = "Throughput and latency, closed loop, 2.0 s a cell — " + auth + ", tracing off";
        Histogram latency = new Histogram(60_000_000L, 3);
        latency.recordValue(p99Micros);
        var get = new LoadRunner.Result(getRequests, 0, Duration.ofSeconds(2), latency, null, p99Micros);
        report.add(new Report.LoadRow(section, "get", 16, "service", get, Map.of("service", getCores, "engine", 0.3)));
        report.add(new Report.LoadRow(section, "get", 16, "direct", get, Map.of("engine", 0.5)));
        report.add(new Report.LoadRow("Warm-up: GET by id", "0–5 s", 16, "service", get, Map.of("service", 1.0)));
        Path file = dir.resolve(name);
        report.writeJson(file);
        return file;
    }

    @Test
    void changeIsThePercentOfTheVariantAgainstTheBaseline() {
        assertThat(Compare.change(1_000, 1_150)).isEqualTo("+15.0 %");
        assertThat(Compare.change(800, 600)).isEqualTo("-25.0 %");
        assertThat(Compare.change(0, 600)).isEqualTo("–");
        assertThat(Compare.change(Double.NaN, 600)).isEqualTo("–");
    }

    @Test
    void comparesTheServiceCellsOfTheMatrixOnly() throws IOException {
        // Baseline: 2,000 requests in 2 s at 0.8 cores = 800 µs; variant: 1,600 in 2 s at 0.8 cores = 1,000 µs.
        Path off = run("off.json", "auth off", 2_000, 0.8, 10_000);
        Path on = run("on.json", "auth on (JWT, RS256)", 1_600, 0.8, 12_000);

        String md = Compare.markdown(off, on);

        assertThat(md).contains("| auth | auth off | auth on (JWT, RS256) |");
        assertThat(md).contains("| get | 16 | 1,000 | 800 | -20.0 % | 10.01 | 12.01 | +20.0 % | 10.0 | 12.0 | 800 | 1,000 | +25.0 % |");
        // Neither the direct row nor the warm-up row becomes a line of its own.
        assertThat(md.lines().filter(l -> l.startsWith("| get |")).count()).isEqualTo(1);
        assertThat(md).doesNotContain("0–5 s");
    }
}
