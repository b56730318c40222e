package org.productservice.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of a bench report, drawn from its JSON (so that {@code make bench-charts} can redraw
 * them from an earlier run without measuring again):
 * <ul>
 *   <li>{@code load-<operation>.png}: throughput and p99 against concurrency, service next to
 *       direct;</li>
 *   <li>{@code warmup.png}: the warm-up curve with the steady throughput and its 90 % line;</li>
 *   <li>{@code cpu-per-request.png}: the service's CPU per request by operation and concurrency,
 *       and the engine's on the direct side for reference.</li>
 * </ul>
 * Run as {@code Charts <report.json> <output directory>}.
 */
public final class Charts {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 420;
    private static final Color SERVICE = new Color(0x1f77b4);
    private static final Color DIRECT = new Color(0xff7f0e);

    private Charts() {
    }

    /**
     * Redraws the charts of an existing report.
     *
     * @param args the report's JSON file and the directory for the charts
     * @throws IOException if the report cannot be read or a chart written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("Usage: Charts <report.json> <output directory>");
            System.exit(2);
        }
        Path json = Path.of(args[0]);
        if (!Files.isRegularFile(json)) {
            System.err.println(json + " does not exist: run `make bench` first.");
            System.exit(1);
        }
        for (Path chart : write(json, Path.of(args[1]))) {
            System.err.println("Chart: " + chart);
        }
    }

    /**
     * Writes every chart the report has data for.
     *
     * @param reportJson a report written by {@link Report#writeJson}
     * @param directory  where the PNG files go
     * @return the files written
     * @throws IOException if the report cannot be read or a file written
     */
    static List<Path> write(Path reportJson, Path directory) throws IOException {
        // No display on a build machine: Java2D draws into images without one.
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(directory);
        @SuppressWarnings("unchecked")
        Map<String, Object> report = (Map<String, Object>) read(reportJson);
        List<Map<String, Object>> matrix = new ArrayList<>();
        for (Object row : list(report.get("load"))) {
            @SuppressWarnings("unchecked")
            Map<String, Object> r = (Map<String, Object>) row;
            if (string(r, "section").startsWith("Throughput")) {
                matrix.add(r);
            }
        }
        String title = runLabel(report);
        List<Path> written = new ArrayList<>();
        for (String operation : matrix.stream().map(r -> string(r, "label")).distinct().toList()) {
            List<Map<String, Object>> rows = matrix.stream().filter(r -> string(r, "label").equals(operation)).toList();
            XYChart throughput = xy(operation + ": throughput" + title, "req/s");
            XYChart p99 = xy(operation + ": p99 latency" + title, "p99 ms");
            for (String side : List.of("service", "direct")) {
                List<Map<String, Object>> sideRows = rows.stream().filter(r -> string(r, "side").equals(side)).toList();
                if (!sideRows.isEmpty()) {
                    line(throughput, side, sideRows, "throughput");
                    line(p99, side, sideRows, "p99_ms");
                }
            }
            written.add(save(sideBySide(throughput, p99), directory.resolve("load-" + operation + ".png")));
        }
        if (!matrix.isEmpty()) {
            written.add(save(BitmapEncoder.getBufferedImage(cpuPerRequest(matrix, title)),
                             directory.resolve("cpu-per-request.png")));
        }
        if (report.get("warmup") instanceof Map<?, ?> warmup) {
            written.add(save(BitmapEncoder.getBufferedImage(warmUp(warmup, title)), directory.resolve("warmup.png")));
        }
        return written;
    }

    private static XYChart xy(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("concurrent connections").yAxisTitle(yTitle).build();
        style(chart);
        // Concurrency goes 1, 16, 64: a log axis spaces them evenly.
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        return chart;
    }

    private static void line(XYChart chart, String side, List<Map<String, Object>> rows, String field) {
        List<Map<String, Object>> sorted = rows.stream()
                .sorted((a, b) -> Double.compare(number(a, "connections"), number(b, "connections"))).toList();
        double[] x = sorted.stream().mapToDouble(r -> number(r, "connections")).toArray();
        double[] y = sorted.stream().mapToDouble(r -> Math.max(0, number(r, field))).toArray();
        XYSeries series = chart.addSeries(side, x, y);
        series.setMarker(SeriesMarkers.CIRCLE);
        series.setLineColor(side.equals("service") ? SERVICE : DIRECT);
        series.setMarkerColor(side.equals("service") ? SERVICE : DIRECT);
    }

    /**
     * Bars by operation: the service's CPU per request at each concurrency, then the engine's on
     * the direct side (what the engine itself spends on the same DynamoDB request).
     */
    private static CategoryChart cpuPerRequest(List<Map<String, Object>> matrix, String title) {
        CategoryChart chart = new CategoryChartBuilder().width(2 * WIDTH).height(HEIGHT)
                .title("CPU per request" + title).xAxisTitle("operation").yAxisTitle("CPU µs per request").build();
        style(chart);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        List<String> operations = matrix.stream().map(r -> string(r, "label")).distinct().toList();
        TreeSet<Integer> connections = new TreeSet<>();
        matrix.forEach(r -> connections.add((int) number(r, "connections")));
        for (String side : List.of("service", "direct")) {
            String process = side.equals("service") ? "service" : "engine";
            int shade = 0;
            for (int conn : connections) {
                List<Number> values = new ArrayList<>();
                boolean any = false;
                for (String operation : operations) {
                    double micros = matrix.stream()
                            .filter(r -> string(r, "label").equals(operation) && string(r, "side").equals(side)
                                    && number(r, "connections") == conn)
                            .mapToDouble(r -> cpuMicros(r, process)).findFirst().orElse(0);
                    any |= micros > 0;
                    values.add(Math.max(0, micros));
                }
                if (any) {
                    // Blues for the service, oranges for the engine, darker with more connections.
                    Color base = side.equals("service") ? SERVICE : DIRECT;
                    chart.addSeries(side.equals("service") ? "service, " + conn + " conn" : "engine (direct), " + conn + " conn",
                                    operations, values)
                            .setFillColor(shade(base, shade++, connections.size()));
                }
            }
        }
        return chart;
    }

    private static XYChart warmUp(Map<?, ?> warmup, String title) {
        double step = ((Number) warmup.get("step_s")).doubleValue();
        List<Object> throughput = list(warmup.get("throughput"));
        double[] x = new double[throughput.size()];
        double[] y = new double[throughput.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i + 1) * step;
            y[i] = ((Number) throughput.get(i)).doubleValue();
        }
        Object warmAt = warmup.get("warm_at_s");
        XYChart chart = new XYChartBuilder().width(WIDTH + 160).height(HEIGHT)
                .title("Warm-up: GET by id, 16 connections" + title
                               + (warmAt instanceof Number n ? " (warm at " + Report.fmt(n.doubleValue(), 0) + " s)" : " (not warm)"))
                .xAxisTitle("seconds from the first request (end of each " + Report.fmt(step, 1) + " s step)")
                .yAxisTitle("req/s").build();
        style(chart);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        XYSeries curve = chart.addSeries("req/s in each step", x, y);
        curve.setMarker(SeriesMarkers.CIRCLE);
        curve.setLineColor(SERVICE);
        curve.setMarkerColor(SERVICE);
        double steady = ((Number) warmup.get("steady_throughput")).doubleValue();
        if (steady > 0 && x.length > 0) {
            double[] ends = {0, x[x.length - 1]};
            XYSeries steadyLine = chart.addSeries("steady (" + warmup.get("steady_from") + ")", ends, new double[] {steady, steady});
            steadyLine.setMarker(SeriesMarkers.NONE);
            steadyLine.setLineColor(Color.DARK_GRAY);
            XYSeries warmLine = chart.addSeries("90 % of steady", ends,
                                                new double[] {WarmUp.WARM_FRACTION * steady, WarmUp.WARM_FRACTION * steady});
            warmLine.setMarker(SeriesMarkers.NONE);
            warmLine.setLineColor(Color.GRAY);
        }
        return chart;
    }

    private static Color shade(Color base, int index, int count) {
        // From light (index 0) to the base colour (last index).
        double light = count <= 1 ? 0 : 0.55 * (count - 1 - index) / (count - 1);
        return new Color((int) (base.getRed() + (255 - base.getRed()) * light),
                         (int) (base.getGreen() + (255 - base.getGreen()) * light),
                         (int) (base.getBlue() + (255 - base.getBlue()) * light));
    }

    private static void style(Chart<?, ?> chart) {
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setAntiAlias(true);
    }

    /** Two charts in one image, left and right. */
    private static BufferedImage sideBySide(XYChart left, XYChart right) {
        BufferedImage a = BitmapEncoder.getBufferedImage(left);
        BufferedImage b = BitmapEncoder.getBufferedImage(right);
        BufferedImage both = new BufferedImage(a.getWidth() + b.getWidth(), Math.max(a.getHeight(), b.getHeight()),
                                               BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, both.getWidth(), both.getHeight());
            g.drawImage(a, 0, 0, null);
            g.drawImage(b, a.getWidth(), 0, null);
        } finally {
            g.dispose();
        }
        return both;
    }

    private static Path save(BufferedImage image, Path file) throws IOException {
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("No PNG writer in this JDK");
        }
        return file;
    }

    /** " (auth on, tracing 0.1)" from the machine table, so that charts of different runs differ. */
    private static String runLabel(Map<String, Object> report) {
        if (!(report.get("machine") instanceof Map<?, ?> machine)) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (String key : List.of("auth", "tracing")) {
            if (machine.get(key) instanceof String value) {
                int cut = value.indexOf(" (");
                int semi = value.indexOf(';');
                int end = cut >= 0 ? cut : semi >= 0 ? semi : value.length();
                parts.add(value.substring(0, end));
            }
        }
        return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
    }

    private static double cpuMicros(Map<String, Object> row, String process) {
        return row.get("cpu_us_per_request") instanceof Map<?, ?> cpu && cpu.get(process) instanceof Number n
                ? n.doubleValue() : 0;
    }

    private static String string(Map<String, Object> row, String field) {
        return row.get(field) instanceof String s ? s : "";
    }

    private static double number(Map<String, Object> row, String field) {
        return row.get(field) instanceof Number n ? n.doubleValue() : 0;
    }

    private static List<Object> list(Object value) {
        @SuppressWarnings("unchecked")
        List<Object> list = value instanceof List<?> ? (List<Object>) value : List.of();
        return list;
    }

    /** The JSON as maps, lists, strings, numbers, booleans and nulls (jackson-core, no databind). */
    static Object read(Path json) throws IOException {
        try (JsonParser parser = new JsonFactory().createParser(json.toFile())) {
            parser.nextToken();
            return value(parser);
        }
    }

    private static Object value(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == null) {
            throw new IOException("Empty JSON");
        }
        return switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    map.put(name, value(parser));
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(parser));
                }
                yield list;
            }
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getNumberValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IOException("Unexpected JSON token " + token);
        };
    }
}
