package org.productservice.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import org.productservice.bench.LoadRunner.Result;

/**
 * Everything a run measured, printed as markdown tables and written as JSON. Rows are kept in
 * the order they were measured.
 */
final class Report {
    private final Map<String, String> machine = new LinkedHashMap<>();
    private final List<LoadRow> load = new ArrayList<>();
    private final List<Memory> memory = new ArrayList<>();
    private final List<StartupRun> startup = new ArrayList<>();
    private final List<Loaded> loading = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private WarmUp warmUp;

    /** A memory reading of the service. */
    record Memory(String when, long rssBytes, long heapUsedBytes, long heapCommittedBytes) {
    }

    /**
     * One load run.
     *
     * @param section    which table it belongs to (matrix, warm-up, scale, decisions)
     * @param label      what ran (operation or variant)
     * @param connections concurrent connections
     * @param side       "service" or "direct"
     * @param result     the measurement
     * @param cpu        CPU cores used during the run, by process
     * @param spansPerRequest spans the trace sink received during the run per request answered,
     *                   NaN when tracing is off or on the direct side
     */
    record LoadRow(String section, String label, int connections, String side, Result result, Map<String, Double> cpu,
                   double spansPerRequest) {
        LoadRow(String section, String label, int connections, String side, Result result, Map<String, Double> cpu) {
            this(section, label, connections, side, result, cpu, Double.NaN);
        }

        /**
         * The process that answered the requests: the service on the service side; on the direct
         * side the engine, whose CPU per request is the reference for the service's.
         */
        String answering() {
            return side.equals("service") ? "service" : "engine";
        }

        /** CPU per request of the answering process, µs (NaN without requests or a CPU reading). */
        double cpuMicrosPerRequest() {
            Double cores = cpu.get(answering());
            return cores == null ? Double.NaN : Report.cpuMicrosPerRequest(cores, result.elapsed(), result.requests());
        }
    }

    /** One start-up run: milliseconds from process start to the first ready answer and first GET. */
    record StartupRun(String config, double readyMillis, double firstGetMillis, long rssBytes) {
    }

    /** A timed data load. */
    record Loaded(String what, int items, Duration took) {
    }

    void machine(String key, String value) {
        machine.put(key, value);
    }

    void add(LoadRow row) {
        load.add(row);
    }

    void add(Memory reading) {
        memory.add(reading);
    }

    void add(StartupRun run) {
        startup.add(run);
    }

    void add(Loaded loaded) {
        loading.add(loaded);
    }

    void note(String note) {
        notes.add(note);
    }

    void warmUp(WarmUp curve) {
        warmUp = curve;
        note(curve.summary());
    }

    /**
     * CPU time per answered request: the process's user+system CPU over a cell (its mean number
     * of busy cores times the cell's length) divided by the requests it answered.
     *
     * @param cores    mean cores the process used during the cell
     * @param elapsed  the cell's length
     * @param requests requests answered in it
     * @return microseconds of CPU per request, NaN without requests
     */
    static double cpuMicrosPerRequest(double cores, Duration elapsed, long requests) {
        return requests <= 0 ? Double.NaN : cores * elapsed.toNanos() / 1e3 / requests;
    }

    Optional<LoadRow> find(String section, String label, int connections, String side) {
        return load.stream()
                .filter(r -> r.section().equals(section) && r.label().equals(label)
                        && r.connections() == connections && r.side().equals(side))
                .findFirst();
    }

    /**
     * The slowest request of the run, and whether any came later than a deadline plus a margin
     * (issue 14's request deadline: with faults injected, no answer may come later).
     *
     * @param deadline the service's request deadline, or null to report the slowest request only
     * @param margin   allowance for the network, the generator and scheduling
     * @return the note, or null when nothing was measured
     */
    String slowestNote(Duration deadline, Duration margin) {
        Optional<LoadRow> slowest = load.stream()
                .filter(r -> !Double.isNaN(r.result().maxMillis()))
                .max(java.util.Comparator.comparingDouble(r -> r.result().maxMillis()));
        if (slowest.isEmpty()) {
            return null;
        }
        LoadRow s = slowest.get();
        String text = "Slowest request of the run: " + fmt(s.result().maxMillis(), 1) + " ms (" + s.label() + ", "
                + s.connections() + " conn, " + s.side() + ").";
        if (deadline == null) {
            return text;
        }
        double limit = (deadline.toNanos() + margin.toNanos()) / 1e6;
        List<String> late = load.stream()
                .filter(r -> r.side().equals("service") && r.result().maxMillis() > limit)
                .map(r -> r.label() + "/" + r.connections() + " " + fmt(r.result().maxMillis(), 0) + " ms")
                .toList();
        return text + " Deadline " + fmt(deadline.toMillis(), 0) + " ms + margin " + fmt(margin.toMillis(), 0) + " ms: "
                + (late.isEmpty() ? "no service answer later." : "**later answers** in " + String.join(", ", late) + ".");
    }

    /** A row of the load matrix (closed loop or fixed rate), whatever the run's labels. */
    Optional<LoadRow> matrixRow(String operation, int connections, String side) {
        return load.stream()
                .filter(r -> r.section().startsWith("Throughput") && r.label().equals(operation)
                        && r.connections() == connections && r.side().equals(side))
                .findFirst();
    }

    /** The report as markdown. */
    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("## Machine\n\n| | |\n|---|---|\n");
        machine.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));

        List<String> sections = load.stream().map(LoadRow::section).distinct()
                .sorted(java.util.Comparator.comparingInt(Report::rank)).toList();
        for (String section : sections) {
            md.append("\n## ").append(section).append("\n\n");
            boolean paired = load.stream().anyMatch(r -> r.section().equals(section) && r.side().equals("direct"))
                    && load.stream().anyMatch(r -> r.section().equals(section) && r.side().equals("service"));
            if (paired) {
                boolean traced = load.stream().anyMatch(r -> r.section().equals(section) && !Double.isNaN(r.spansPerRequest()));
                md.append("| Operation | Conn | Service req/s | p50 ms | p99 ms | p99.9 ms | max ms | Errors | Service CPU µs/req "
                                  + "| Direct req/s | p50 ms | p99 ms | p99.9 ms | max ms | Errors | Engine CPU µs/req (direct) "
                                  + "| Service/direct | CPU service+engine |" + (traced ? " Spans/req |" : "") + "\n");
                md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--|" + (traced ? "--:|" : "") + "\n");
                for (LoadRow s : load) {
                    if (!s.section().equals(section) || !s.side().equals("service")) {
                        continue;
                    }
                    Optional<LoadRow> d = find(section, s.label(), s.connections(), "direct");
                    md.append("| ").append(s.label()).append(" | ").append(s.connections()).append(" | ");
                    cells(md, s.result());
                    md.append(fmt(s.cpuMicrosPerRequest(), 0)).append(" | ");
                    if (d.isPresent()) {
                        cells(md, d.get().result());
                        md.append(fmt(d.get().cpuMicrosPerRequest(), 0)).append(" | ");
                        md.append(fmt(s.result().throughput() / d.get().result().throughput(), 2)).append(" | ");
                    } else {
                        md.append("| | | | | | | | ");
                    }
                    md.append(fmt(s.cpu().getOrDefault("service", 0.0), 2)).append(" + ")
                            .append(fmt(s.cpu().getOrDefault("engine", 0.0), 2)).append(" |");
                    md.append(traced ? " " + fmt(s.spansPerRequest(), 2) + " |" : "").append('\n');
                }
            } else {
                md.append("| Variant | Conn | Side | req/s | p50 ms | p99 ms | p99.9 ms | max ms | Errors | CPU µs/req | CPU |\n");
                md.append("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--|\n");
                for (LoadRow r : load) {
                    if (!r.section().equals(section)) {
                        continue;
                    }
                    md.append("| ").append(r.label()).append(" | ").append(r.connections()).append(" | ")
                            .append(r.side()).append(" | ");
                    cells(md, r.result());
                    md.append(fmt(r.cpuMicrosPerRequest(), 0)).append(" | ");
                    md.append(cpuText(r.cpu())).append(" |\n");
                }
            }
        }

        if (!memory.isEmpty()) {
            md.append("\n## Memory of the service\n\n| When | RSS MB | Heap used MB | Heap committed MB |\n|---|--:|--:|--:|\n");
            for (Memory m : memory) {
                md.append("| ").append(m.when()).append(" | ").append(mb(m.rssBytes())).append(" | ")
                        .append(mb(m.heapUsedBytes())).append(" | ").append(mb(m.heapCommittedBytes())).append(" |\n");
            }
        }

        if (!startup.isEmpty()) {
            md.append("\n## Start-up (ms from process start; median of the runs)\n\n"
                              + "| Configuration | Runs | Ready median | Ready min–max | First GET median | RSS after start MB |\n"
                              + "|---|--:|--:|--:|--:|--:|\n");
            for (String config : startup.stream().map(StartupRun::config).distinct().toList()) {
                List<StartupRun> runs = startup.stream().filter(r -> r.config().equals(config)).toList();
                List<Double> ready = runs.stream().map(StartupRun::readyMillis).sorted().toList();
                md.append("| ").append(config).append(" | ").append(runs.size()).append(" | ")
                        .append(fmt(median(ready), 0)).append(" | ")
                        .append(fmt(ready.getFirst(), 0)).append("–").append(fmt(ready.getLast(), 0)).append(" | ")
                        .append(fmt(median(runs.stream().map(StartupRun::firstGetMillis).toList()), 0)).append(" | ")
                        .append(mb((long) median(runs.stream().map(r -> (double) r.rssBytes()).toList()))).append(" |\n");
            }
        }

        if (!loading.isEmpty()) {
            md.append("\n## Data loading (BatchWriteItem, 25 items a request)\n\n| What | Items | Seconds | Items/s |\n|---|--:|--:|--:|\n");
            for (Loaded l : loading) {
                double seconds = l.took().toMillis() / 1000.0;
                md.append("| ").append(l.what()).append(" | ").append(l.items()).append(" | ").append(fmt(seconds, 1))
                        .append(" | ").append(fmt(l.items() / seconds, 0)).append(" |\n");
            }
        }
        if (!notes.isEmpty()) {
            md.append("\n## Notes\n\n");
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        return md.toString();
    }

    /**
     * Writes the report as JSON.
     *
     * @param file target file
     * @throws IOException on write errors
     */
    void writeJson(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file);
             JsonGenerator json = new JsonFactory().createGenerator(out).useDefaultPrettyPrinter()) {
            json.writeStartObject();
            json.writeObjectFieldStart("machine");
            for (var e : machine.entrySet()) {
                json.writeStringField(e.getKey(), e.getValue());
            }
            json.writeEndObject();
            json.writeArrayFieldStart("load");
            for (LoadRow r : load) {
                json.writeStartObject();
                json.writeStringField("section", r.section());
                json.writeStringField("label", r.label());
                json.writeNumberField("connections", r.connections());
                json.writeStringField("side", r.side());
                Result result = r.result();
                json.writeNumberField("requests", result.requests());
                json.writeNumberField("errors", result.errors());
                json.writeNumberField("seconds", result.elapsed().toMillis() / 1000.0);
                json.writeNumberField("throughput", round(result.throughput()));
                json.writeNumberField("mean_ms", round(result.meanMillis()));
                json.writeNumberField("p50_ms", round(result.millis(50)));
                json.writeNumberField("p99_ms", round(result.millis(99)));
                json.writeNumberField("p999_ms", round(result.millis(99.9)));
                json.writeNumberField("max_ms", round(result.maxMillis()));
                if (result.firstError() != null) {
                    json.writeStringField("first_error", result.firstError());
                }
                if (r.side().equals("service")) {
                    Optional<LoadRow> direct = find(r.section(), r.label(), r.connections(), "direct");
                    if (direct.isPresent()) {
                        json.writeNumberField("service_direct_ratio",
                                              round(result.throughput() / direct.get().result().throughput()));
                    }
                }
                json.writeObjectFieldStart("cpu_cores");
                for (var e : r.cpu().entrySet()) {
                    json.writeNumberField(e.getKey(), round(e.getValue()));
                }
                json.writeEndObject();
                // Of the answering process only: the service, or the engine on the direct side.
                json.writeObjectFieldStart("cpu_us_per_request");
                json.writeNumberField(r.answering(), round(r.cpuMicrosPerRequest()));
                json.writeEndObject();
                if (!Double.isNaN(r.spansPerRequest())) {
                    json.writeNumberField("spans_per_request", round(r.spansPerRequest()));
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            if (warmUp != null) {
                json.writeObjectFieldStart("warmup");
                json.writeNumberField("step_s", warmUp.stepSeconds());
                json.writeArrayFieldStart("throughput");
                for (double t : warmUp.throughputs()) {
                    json.writeNumber(round(t));
                }
                json.writeEndArray();
                json.writeNumberField("steady_throughput", round(warmUp.steady()));
                json.writeStringField("steady_from", warmUp.steadyFrom());
                if (warmUp.warmAtSeconds().isPresent()) {
                    json.writeNumberField("warm_at_s", warmUp.warmAtSeconds().getAsDouble());
                } else {
                    json.writeNullField("warm_at_s");
                }
                json.writeEndObject();
            }
            json.writeArrayFieldStart("memory");
            for (Memory m : memory) {
                json.writeStartObject();
                json.writeStringField("when", m.when());
                json.writeNumberField("rss_bytes", m.rssBytes());
                json.writeNumberField("heap_used_bytes", m.heapUsedBytes());
                json.writeNumberField("heap_committed_bytes", m.heapCommittedBytes());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("startup");
            for (StartupRun s : startup) {
                json.writeStartObject();
                json.writeStringField("config", s.config());
                json.writeNumberField("ready_ms", round(s.readyMillis()));
                json.writeNumberField("first_get_ms", round(s.firstGetMillis()));
                json.writeNumberField("rss_bytes", s.rssBytes());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("loading");
            for (Loaded l : loading) {
                json.writeStartObject();
                json.writeStringField("what", l.what());
                json.writeNumberField("items", l.items());
                json.writeNumberField("seconds", l.took().toMillis() / 1000.0);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("notes");
            for (String n : notes) {
                json.writeString(n);
            }
            json.writeEndArray();
            json.writeEndObject();
        }
    }

    /** Headline first: the matrix, then warm-up, scale, and the decisions. */
    private static int rank(String section) {
        if (section.startsWith("Throughput")) {
            return 0;
        }
        if (section.startsWith("Warm-up")) {
            return 1;
        }
        return section.startsWith("Scale") ? 2 : 3;
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void cells(StringBuilder md, Result r) {
        md.append(fmt(r.throughput(), 0)).append(" | ").append(fmt(r.millis(50), 2)).append(" | ")
                .append(fmt(r.millis(99), 2)).append(" | ").append(fmt(r.millis(99.9), 2)).append(" | ")
                .append(fmt(r.maxMillis(), 2)).append(" | ").append(r.errors()).append(" | ");
    }

    private static String cpuText(Map<String, Double> cpu) {
        StringBuilder text = new StringBuilder();
        cpu.forEach((k, v) -> text.append(text.isEmpty() ? "" : ", ").append(k).append(' ').append(fmt(v, 2)));
        return text.toString();
    }

    static String fmt(double value, int decimals) {
        return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

    private static String mb(long bytes) {
        return bytes < 0 ? "–" : fmt(bytes / (1024.0 * 1024.0), 0);
    }

    private static double round(double value) {
        return Double.isNaN(value) ? -1 : Math.round(value * 1000) / 1000.0;
    }
}
