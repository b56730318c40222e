package org.productservice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Two bench reports side by side: the load matrix's service figures of a baseline run and of a
 * variant (auth on, tracing on, another flag), cell by cell, with the variant's change in
 * percent. This is how "with auth on, GET stays within 15 %" is read. Run as
 * {@code Compare <baseline.json> <variant.json>}; prints markdown.
 */
public final class Compare {
    private Compare() {
    }

    /**
     * Prints the comparison.
     *
     * @param args the baseline's and the variant's JSON reports
     * @throws IOException if a report cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("Usage: Compare <baseline.json> <variant.json>");
            System.exit(2);
        }
        for (String file : args) {
            if (!Files.isRegularFile(Path.of(file))) {
                System.err.println(file + " does not exist.");
                System.exit(1);
            }
        }
        System.out.print(markdown(Path.of(args[0]), Path.of(args[1])));
    }

    /** One matrix cell of the service side. */
    record Cell(String operation, int connections, double throughput, double p99, double max, double cpuMicros) {
    }

    static String markdown(Path baseline, Path variant) throws IOException {
        Map<String, Object> a = report(baseline);
        Map<String, Object> b = report(variant);
        StringBuilder md = new StringBuilder();
        md.append("## Comparison: service side of the load matrix\n\n");
        md.append("| | baseline | variant |\n|---|---|---|\n");
        md.append("| report | ").append(baseline.getFileName()).append(" | ").append(variant.getFileName()).append(" |\n");
        for (String key : List.of("date", "auth", "tracing", "service JVM flags", "service settings", "mode",
                                  "load average at the start")) {
            md.append("| ").append(key).append(" | ").append(machine(a, key)).append(" | ").append(machine(b, key)).append(" |\n");
        }
        md.append("\n| Operation | Conn | req/s | req/s | Δ req/s | p99 ms | p99 ms | Δ p99 | max ms | max ms "
                          + "| CPU µs/req | CPU µs/req | Δ CPU/req |\n");
        md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        List<Cell> variantCells = cells(b);
        for (Cell x : cells(a)) {
            Cell y = variantCells.stream()
                    .filter(c -> c.operation().equals(x.operation()) && c.connections() == x.connections())
                    .findFirst().orElse(null);
            if (y == null) {
                continue;
            }
            md.append("| ").append(x.operation()).append(" | ").append(x.connections()).append(" | ")
                    .append(Report.fmt(x.throughput(), 0)).append(" | ").append(Report.fmt(y.throughput(), 0)).append(" | ")
                    .append(change(x.throughput(), y.throughput())).append(" | ")
                    .append(Report.fmt(x.p99(), 2)).append(" | ").append(Report.fmt(y.p99(), 2)).append(" | ")
                    .append(change(x.p99(), y.p99())).append(" | ")
                    .append(Report.fmt(x.max(), 1)).append(" | ").append(Report.fmt(y.max(), 1)).append(" | ")
                    .append(Report.fmt(x.cpuMicros(), 0)).append(" | ").append(Report.fmt(y.cpuMicros(), 0)).append(" | ")
                    .append(change(x.cpuMicros(), y.cpuMicros())).append(" |\n");
        }
        md.append("\nΔ is the variant against the baseline. Compare runs of the same day and machine: between"
                          + " runs the machine's other load moves req/s and p99 far more than CPU per request.\n");
        return md.toString();
    }

    /** "+12.3 %", or "–" when either side has no figure. */
    static String change(double baseline, double variant) {
        if (!(baseline > 0) || !(variant >= 0)) {
            return "–";
        }
        double percent = (variant / baseline - 1) * 100;
        return (percent >= 0 ? "+" : "") + Report.fmt(percent, 1) + " %";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> report(Path file) throws IOException {
        return (Map<String, Object>) Charts.read(file);
    }

    private static String machine(Map<String, Object> report, String key) {
        return report.get("machine") instanceof Map<?, ?> m && m.get(key) instanceof String s ? s : "–";
    }

    static List<Cell> cells(Map<String, Object> report) {
        List<Cell> cells = new ArrayList<>();
        if (!(report.get("load") instanceof List<?> rows)) {
            return cells;
        }
        for (Object o : rows) {
            if (o instanceof Map<?, ?> r && r.get("section") instanceof String section && section.startsWith("Throughput")
                    && Objects.equals(r.get("side"), "service")) {
                double cpu = r.get("cpu_us_per_request") instanceof Map<?, ?> c && c.get("service") instanceof Number n
                        ? n.doubleValue() : Double.NaN;
                cells.add(new Cell((String) r.get("label"), number(r, "connections").intValue(),
                                   number(r, "throughput").doubleValue(), positive(number(r, "p99_ms")),
                                   positive(number(r, "max_ms")), cpu < 0 ? Double.NaN : cpu));
            }
        }
        return cells;
    }

    private static Number number(Map<?, ?> row, String field) {
        return row.get(field) instanceof Number n ? n : Double.NaN;
    }

    /** The JSON writes -1 for "no figure". */
    private static double positive(Number n) {
        return n.doubleValue() < 0 ? Double.NaN : n.doubleValue();
    }
}
