package org.productservice.observability;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;
import org.yaml.snakeyaml.Yaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard and the alerts, proven against real scraped metrics: Debian's {@code prometheus}
 * binary, started here on a free port with the PrometheusRule's rules loaded, scrapes the running
 * service while it serves mixed traffic. Then every dashboard query, every recording rule and
 * every alert expression is evaluated through Prometheus' HTTP API; each must parse and return
 * data, so a typo in a metric or label name fails the build.
 *
 * <p>Alert expressions end in a threshold that healthy traffic does not cross; they are evaluated
 * with each comparison made a {@code bool} comparison ({@code > 0.01} becomes {@code > bool 0.01}),
 * which returns every series the alert looks at instead of only the firing ones. Pod readiness
 * and the HPA come from kube-state-metrics in a cluster; here Prometheus scrapes a recorded
 * kube-state-metrics page (k8s/monitoring/tests/kube-state-metrics.prom) instead.
 *
 * <p>With {@code -Dobservability.picture=true} it also renders the README's picture
 * (docs/observability-dashboard.png) from the scraped data into
 * {@code target/observability/dashboard.png}; opt-in because drawing text needs fonts that a
 * minimal CI image may lack.
 */
class RealPrometheusTest {
    private static final System.Logger LOG = System.getLogger(RealPrometheusTest.class.getName());
    private static final Path ROOT = Path.of(System.getProperty("repository.root", "..")).toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String NAMESPACE = "product-service";
    // What Grafana puts in for the dashboard's variables.
    private static final Map<String, String> VARIABLES = Map.of("$namespace", NAMESPACE, "$__rate_interval", "30s");

    @Test
    void everyDashboardQueryAndRuleReturnsDataFromTheScrapedService() throws Exception {
        if (!onPath("prometheus")) {
            // CI installs it (.ci/run); only a machine without Debian's prometheus package skips.
            LOG.log(System.Logger.Level.WARNING, "prometheus not on the PATH (Debian package prometheus): real-Prometheus test skipped");
            Assumptions.abort("prometheus not on the PATH (Debian package prometheus)");
        }
        Path dir = Files.createTempDirectory("prometheus-test");
        RunningService service = RunningService.start(Map.of());
        HttpServer kubeStateMetrics = kubeStateMetrics();
        Process prometheus = null;
        try {
            int port = freePort();
            Files.writeString(dir.resolve("rules.yaml"), rulesForTest(), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("prometheus.yml"), config(service.adminPort(), kubeStateMetrics.getAddress().getPort()),
                              StandardCharsets.UTF_8);
            prometheus = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                                            "--storage.tsdb.path=" + dir.resolve("data"),
                                            "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
            String base = "http://127.0.0.1:" + port;
            awaitReady(base, prometheus, dir);

            long start = System.currentTimeMillis() / 1000;
            mixedTraffic(service.api(), Duration.ofSeconds(20));
            Thread.sleep(3_000); // the last scrapes and rule evaluations
            long end = System.currentTimeMillis() / 1000;

            assertThat(query(base, "up{job=\"product-service\"}").path(0).path("value").path(1).asText()).isEqualTo("1");
            List<String> failures = new ArrayList<>();
            Map<String, String> expressions = expressions();
            for (Map.Entry<String, String> expression : expressions.entrySet()) {
                JsonNode answer = get(base + "/api/v1/query?query=" + encode(expression.getValue()));
                if (!"success".equals(answer.path("status").asText())) {
                    failures.add(expression.getKey() + ": " + answer.path("error").asText() + "\n    " + expression.getValue());
                } else if (answer.path("data").path("result").isEmpty()) {
                    failures.add(expression.getKey() + ": no data\n    " + expression.getValue());
                }
            }
            assertThat(failures).as("queries that fail or return nothing, of " + expressions.size()).isEmpty();
            assertThat(expressions.keySet()).as("dashboard targets, recording rules, alerts")
                    .filteredOn(name -> name.startsWith("alert ")).hasSize(8);

            List<XYChart> charts = charts(base, start, end);
            if (Boolean.getBoolean("observability.picture")) {
                renderPicture(charts);
            }
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
            kubeStateMetrics.stop(0);
            service.close();
            deleteTree(dir);
        }
    }

    /** Every dashboard target, recording rule and alert expression, by a readable name. */
    private static Map<String, String> expressions() throws IOException {
        Map<String, String> expressions = new LinkedHashMap<>();
        JsonNode dashboard = JSON.readTree(ROOT.resolve("k8s/monitoring/dashboards/product-service.json").toFile());
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                for (Map.Entry<String, String> variable : VARIABLES.entrySet()) {
                    expr = expr.replace(variable.getKey(), variable.getValue());
                }
                assertThat(expr).doesNotContain("$");
                expressions.put("panel '" + panel.path("title").asText() + "' " + target.path("refId").asText(), expr);
            }
        }
        for (Map<String, Object> rule : rules()) {
            String expr = ((String) rule.get("expr")).trim();
            if (rule.containsKey("record")) {
                expressions.put("record " + rule.get("record"), expr);
            } else {
                expressions.put("alert " + rule.get("alert"), boolComparisons(expr));
            }
        }
        return expressions;
    }

    /** Turns every comparison outside label matchers into its bool form. */
    static String boolComparisons(String expr) {
        StringBuilder out = new StringBuilder();
        int braces = 0;
        boolean quoted = false;
        for (int i = 0; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (c == '"' && (i == 0 || expr.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            } else if (!quoted && c == '{') {
                braces++;
            } else if (!quoted && c == '}') {
                braces--;
            }
            if (!quoted && braces == 0 && (c == '>' || c == '<' || c == '=' || c == '!')) {
                String op = expr.startsWith(">=", i) || expr.startsWith("<=", i) || expr.startsWith("==", i)
                        || expr.startsWith("!=", i) ? expr.substring(i, i + 2) : String.valueOf(c);
                if (!op.equals("=") && !op.equals("!")) {
                    out.append(op).append(" bool");
                    i += op.length() - 1;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules() throws IOException {
        Map<String, Object> rule = new Yaml().load(Files.readString(ROOT.resolve("k8s/monitoring/prometheusrule.yaml")));
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Object group : (List<Object>) ((Map<String, Object>) rule.get("spec")).get("groups")) {
            rules.addAll((List<Map<String, Object>>) ((Map<String, Object>) group).get("rules"));
        }
        return rules;
    }

    /** The PrometheusRule's groups as a rules file, evaluated every second instead of every 30 s. */
    @SuppressWarnings("unchecked")
    private static String rulesForTest() throws IOException {
        Map<String, Object> rule = new Yaml().load(Files.readString(ROOT.resolve("k8s/monitoring/prometheusrule.yaml")));
        Map<String, Object> spec = (Map<String, Object>) rule.get("spec");
        for (Object group : (List<Object>) spec.get("groups")) {
            ((Map<String, Object>) group).put("interval", "1s");
        }
        return new Yaml().dump(spec);
    }

    /** Scrapes like the ServiceMonitor (job and metrics path), every second, with the pod's labels. */
    private static String config(int servicePort, int kubeStatePort) {
        return """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - rules.yaml
                scrape_configs:
                  - job_name: product-service
                    metrics_path: /observe/metrics
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                        labels:
                          namespace: %s
                          pod: product-service-7d9f8b6c5-x2x7q
                  - job_name: kube-state-metrics
                    honor_labels: true
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(servicePort, NAMESPACE, kubeStatePort);
    }

    private static HttpServer kubeStateMetrics() throws IOException {
        byte[] page = Files.readAllBytes(ROOT.resolve("k8s/monitoring/tests/kube-state-metrics.prom"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/metrics", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        server.start();
        return server;
    }

    /** Reads, lists, writes, conflicts, replays, misses and bad input, spread over the duration. */
    private static void mixedTraffic(Api api, Duration duration) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        String[] names = {"Lamp", "Desk", "Chair"};
        long deadline = System.nanoTime() + duration.toNanos();
        for (int round = 0; System.nanoTime() < deadline; round++) {
            String name = names[round % names.length];
            String key = UUID.randomUUID().toString();
            String body = "{\"name\": \"" + name + "\", \"description\": \"round " + round + "\"}";
            Api.Response created = api.create(body, "Idempotency-Key", key);
            assertThat(created.status()).isEqualTo(201);
            assertThat(api.create(body, "Idempotency-Key", key).status()).isEqualTo(201);
            String id = created.json().path("id").asText();
            ids.add(id);
            for (int i = 0; i < 5; i++) {
                assertThat(api.get("/products/" + ids.get((round * 7 + i) % ids.size())).status()).isIn(200, 404);
            }
            assertThat(api.get("/products?name=" + name + "&limit=5").status()).isEqualTo(200);
            assertThat(api.get("/products?limit=10").status()).isEqualTo(200);
            String replace = "{\"name\": \"" + name + "\", \"description\": \"changed\"}";
            assertThat(api.send("PUT", "/products/" + id, replace, "Content-Type", "application/json", "If-Match", "\"1\"").status())
                    .isEqualTo(200);
            assertThat(api.send("PUT", "/products/" + id, replace, "Content-Type", "application/json", "If-Match", "\"1\"").status())
                    .isEqualTo(412);
            assertThat(api.get("/products/" + UUID.randomUUID()).status()).isEqualTo(404);
            assertThat(api.create("{\"name\": 42}").status()).isEqualTo(400);
            if (round % 3 == 2) {
                assertThat(api.send("DELETE", "/products/" + id, null, "If-Match", "\"2\"").status()).isEqualTo(204);
            }
            Thread.sleep(100);
        }
    }

    /** Four dashboard panels over the traffic's time range, each with data. */
    private static List<XYChart> charts(String base, long start, long end) throws IOException {
        String sel = "job=\"product-service\",route!~\"/observe.*\"";
        List<XYChart> charts = List.of(
                chart(base, start, end, "Request rate by route (req/s)",
                      "sum by (method, route) (rate(http_server_requests_seconds_count{" + sel + "}[5s]))", "method", "route"),
                chart(base, start, end, "Latency p99 by route (ms)",
                      "1000 * histogram_quantile(0.99, sum by (le, route) (rate(http_server_requests_seconds_bucket{" + sel + "}[5s])))",
                      "route"),
                chart(base, start, end, "DynamoDB calls by operation and outcome (calls/s)",
                      "sum by (operation, outcome) (rate(dynamodb_client_calls_seconds_count{job=\"product-service\"}[5s]))",
                      "operation", "outcome"),
                chart(base, start, end, "JVM heap used (MB)",
                      "sum by (pod) (jvm_memory_used_bytes{job=\"product-service\",area=\"heap\"}) / 1e6", "pod"));
        for (XYChart chart : charts) {
            assertThat(chart.getSeriesMap()).as(chart.getTitle()).isNotEmpty();
        }
        return charts;
    }

    /** The README's picture: the four charts in a 2 x 2 grid. */
    private static void renderPicture(List<XYChart> charts) throws IOException {
        BufferedImage image = new BufferedImage(1400, 800, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = image.createGraphics();
        graphics.setColor(Color.WHITE);
        graphics.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < charts.size(); i++) {
            graphics.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), (i % 2) * 700, (i / 2) * 400, null);
        }
        graphics.dispose();
        Path out = Path.of("target/observability/dashboard.png");
        Files.createDirectories(out.getParent());
        ImageIO.write(image, "png", out.toFile());
        LOG.log(System.Logger.Level.INFO, "dashboard picture: " + out.toAbsolutePath());
    }

    private static XYChart chart(String base, long start, long end, String title, String query, String... labels)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(700).height(400).title(title).build();
        chart.getStyler().setDatePattern("HH:mm:ss");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        JsonNode result = get(base + "/api/v1/query_range?query=" + encode(query) + "&start=" + start + "&end=" + end + "&step=1")
                .path("data").path("result");
        assertThat(result).as(query).isNotEmpty();
        List<JsonNode> series = new ArrayList<>();
        result.forEach(series::add);
        series.sort(Comparator.comparing(node -> node.path("metric").toString()));
        for (JsonNode one : series) {
            List<Date> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (JsonNode point : one.path("values")) {
                double value = Double.parseDouble(point.path(1).asText());
                if (!Double.isNaN(value)) {
                    x.add(new Date(Math.round(point.path(0).asDouble() * 1000)));
                    y.add(value);
                }
            }
            if (!x.isEmpty()) {
                String name = String.join(" ", Stream.of(labels).map(label -> one.path("metric").path(label).asText()).toList());
                chart.addSeries(name, x, y).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            }
        }
        return chart;
    }

    private static JsonNode query(String base, String promql) throws IOException {
        return get(base + "/api/v1/query?query=" + encode(promql)).path("data").path("result");
    }

    private static JsonNode get(String url) throws IOException {
        try {
            HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                                                           HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                return JSON.readTree(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void awaitReady(String base, Process prometheus, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                throw new AssertionError("prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
            }
            try {
                HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                                                       HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new AssertionError("prometheus not ready in 30 s: " + Files.readString(dir.resolve("prometheus.log")));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
