package org.productservice.bench;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class ChartsTest {
    @TempDir
    Path dir;

    private static LoadRunner.Result result(long requests, long p99Micros) {
        Histogram latency = new Histogram(60_000_000L, 3);
        for (int i = 0; i < 100; i++) {
            latency.recordValue(i < 98 ? p99Micros / 4 : p99Micros);
        }
        return new LoadRunner.Result(requests, 0, Duration.ofSeconds(2), latency, null, p99Micros);
    }

    private Path report(boolean withWarmUp) throws IOException {
        Report report = new Report();
        report.machine("auth", "auth on (JWT, RS256); JWKS http://127.0.0.1:1/x");
        report.machine("tracing", "tracing off");
        String section = "Throughput and latency, closed loop (2.0 s a cell; auth on (JWT, RS256), tracing off)";
        for (String operation : List.of("get", "post")) {
            for (int conn : List.of(1, 16, 64)) {
                report.add(new Report.LoadRow(section, operation, conn, "service", result(1_000L * conn, 2_000L * conn),
                                              Map.of("service", 0.8, "engine", 0.3)));
                report.add(new Report.LoadRow(section, operation, conn, "direct", result(2_000L * conn, 1_000L * conn),
                                              Map.of("engine", 0.5)));
            }
        }
        if (withWarmUp) {
            report.warmUp(new WarmUp(5, List.of(144.0, 300.0, 508.0, 565.0), 580, "GET by id at 16 connections in the matrix"));
        }
        Path json = dir.resolve("latest.json");
        report.writeJson(json);
        return json;
    }

    private static BufferedImage decode(Path png) throws IOException {
        assertThat(png).isRegularFile();
        assertThat(Files.size(png)).isGreaterThan(1_000);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("%s decodes as an image", png).isNotNull();
        return image;
    }

    @Test
    void everyChartIsWrittenAsADecodablePng() throws IOException {
        Path out = dir.resolve("charts");

        List<Path> written = Charts.write(report(true), out);

        assertThat(written).containsExactly(out.resolve("load-get.png"), out.resolve("load-post.png"),
                                            out.resolve("cpu-per-request.png"), out.resolve("warmup.png"));
        BufferedImage load = decode(out.resolve("load-get.png"));
        // Throughput and p99 side by side.
        assertThat(load.getWidth()).isEqualTo(1_280);
        assertThat(load.getHeight()).isEqualTo(420);
        decode(out.resolve("load-post.png"));
        assertThat(decode(out.resolve("cpu-per-request.png")).getWidth()).isEqualTo(1_280);
        assertThat(decode(out.resolve("warmup.png")).getWidth()).isEqualTo(800);
    }

    @Test
    void chartsAreNotBlank() throws IOException {
        Charts.write(report(true), dir);

        BufferedImage image = decode(dir.resolve("load-get.png"));
        long colours = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth()).length == 0 ? 0
                : java.util.Arrays.stream(image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth()))
                        .distinct().count();
        assertThat(colours).as("distinct colours: lines, text and axes were drawn").isGreaterThan(10);
    }

    @Test
    void aReportWithoutWarmUpGetsNoWarmUpChart() throws IOException {
        List<Path> written = Charts.write(report(false), dir);

        assertThat(written).extracting(p -> p.getFileName().toString())
                .containsExactly("load-get.png", "load-post.png", "cpu-per-request.png");
        assertThat(dir.resolve("warmup.png")).doesNotExist();
    }

    @Test
    void theJsonCarriesWhatTheChartsNeed() throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Charts.read(report(true));

        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) ((List<Object>) json.get("load")).getFirst();
        assertThat(first).containsEntry("label", "get").containsEntry("side", "service").containsEntry("max_ms", 2.0)
                .containsEntry("cpu_us_per_request", Map.of("service", 1_600.0));
        @SuppressWarnings("unchecked")
        Map<String, Object> warmup = (Map<String, Object>) json.get("warmup");
        assertThat(warmup).containsEntry("step_s", 5.0).containsEntry("warm_at_s", 20.0)
                .containsEntry("steady_throughput", 580.0)
                .containsEntry("throughput", List.of(144.0, 300.0, 508.0, 565.0));
    }
}
