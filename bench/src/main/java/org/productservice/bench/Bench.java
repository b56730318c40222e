package org.productservice.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntFunction;

import org.productservice.bench.DirectClients.HttpClientKind;
import org.productservice.bench.LoadRunner.ConnectionFactory;
import org.productservice.bench.LoadRunner.Operation;
import org.productservice.bench.LoadRunner.Result;
import org.productservice.schema.Tables;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code make bench}: starts a local engine and the service as in production, loads a data set,
 * warms up, then drives every API operation at several concurrencies and, right after each, the
 * same DynamoDB operation issued directly with the SDK against the same engine; then the scale
 * test (a query's cost as the table grows, a page's cost by its position), start-up and memory,
 * and the measurements behind the tuning decisions (HTTP client, pool size, schema style).
 *
 * <p>Prints a markdown report on stdout, progress on stderr, and writes the same figures as JSON
 * to {@code bench/results/}. Everything it starts, it stops, also on failure or Ctrl-C.
 */
public final class Bench {
    private static final String READY = "/observe/health/ready";
    private static final String TABLE = Tables.PRODUCTS.defaultName();
    private static final String INDEX = Tables.PRODUCT_NAME_INDEX.name();
    private static final int LOAD_THREADS = 4;
    private static final long SEED = 20_251_125L;
    private static final String SCALE_SECTION = "Scale: latency by table size and page position (1 connection)";

    private final BenchOptions options;
    private final Report report = new Report();
    private LocalEngine engine;
    private ServiceProcess service;
    /** With --auth=jwt: the key pair, its JWKS server and the token. */
    private JwtIssuer issuer;
    /** With --tracing: the OTLP/HTTP collector the service exports to. */
    private OtlpSink sink;
    private ServiceProcess.Setup serviceSetup = ServiceProcess.Setup.NONE;
    // The trained AOT cache: null until trainedCache() ran, then the cache or empty (off, JDK < 25, failed).
    private Optional<Path> aotCache;
    private final List<Double> warmUpCurve = new ArrayList<>();

    private Bench(BenchOptions options) {
        this.options = options;
    }

    /**
     * Runs the benchmark.
     *
     * @param args {@code --key=value} options, see {@link BenchOptions}
     * @throws Exception when a phase fails; everything started is stopped first
     */
    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse(args);
        new Bench(options).run();
    }

    private void run() throws Exception {
        Files.createDirectories(options.results());
        long started = System.nanoTime();
        describeMachine();
        try {
            serviceSetup = setUpAuthAndTracing();
            long sentBefore = HttpConnection.requestsSent();
            if (options.phases().contains("load") || options.phases().contains("scale") || options.phases().contains("decisions")) {
                loadPhases();
            }
            if (options.phases().contains("startup")) {
                startupPhase();
            }
            // Every service has stopped now, and an exporter flushes its spans when its JVM stops.
            reportAuthAndTracing(HttpConnection.requestsSent() - sentBefore);
            String slowest = report.slowestNote(options.deadline(), options.deadlineMargin());
            if (slowest != null) {
                report.note(slowest);
            }
        } finally {
            if (issuer != null) {
                issuer.close();
            }
            if (sink != null) {
                sink.close();
            }
        }
        report.machine("load average at the end", loadAverage());
        report.machine("benchmark wall time", Report.fmt((System.nanoTime() - started) / 1e9, 0) + " s");
        String stamp = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString().replace(":", "");
        Path json = options.results().resolve("bench-" + stamp + ".json");
        report.writeJson(json);
        report.writeJson(options.results().resolve("latest.json"));
        String markdown = report.markdown();
        Files.writeString(options.results().resolve("latest.md"), markdown, StandardCharsets.UTF_8);
        System.out.println(markdown);
        progress("JSON report: " + json);
        try {
            for (Path chart : Charts.write(options.results().resolve("latest.json"), options.results())) {
                progress("Chart: " + chart);
            }
        } catch (IOException | RuntimeException | LinkageError | java.awt.AWTError e) {
            // The figures are measured and written: a machine without fonts or AWT libraries
            // should not turn the run into a failure. `make bench-charts` can redraw them later.
            progress("Charts not drawn (" + e + "); the report is complete, see `make bench-charts`.");
        }
    }

    /**
     * Starts what --auth and --tracing need in this JVM (the JWKS server, the OTLP sink) and
     * returns how every service of the run is started and called accordingly.
     */
    private ServiceProcess.Setup setUpAuthAndTracing() throws Exception {
        List<String> settings = new ArrayList<>();
        Map<String, String> environment = new LinkedHashMap<>();
        String authorization = null;
        if (options.jwtAuth()) {
            issuer = JwtIssuer.start();
            settings.addAll(issuer.serviceSettings());
            authorization = issuer.authorization();
            report.machine("auth", options.authLabel() + "; JWKS " + issuer.jwksUrl() + ", audience " + JwtIssuer.AUDIENCE
                    + ", scopes " + JwtIssuer.SCOPES);
        } else {
            report.machine("auth", options.authLabel());
        }
        if (options.tracingRatio() > 0) {
            sink = OtlpSink.start();
            environment.put("OTEL_EXPORTER_OTLP_ENDPOINT", sink.endpoint());
            environment.put("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
            environment.put("OTEL_TRACES_SAMPLER", "parentbased_traceidratio");
            environment.put("OTEL_TRACES_SAMPLER_ARG", Double.toString(options.tracingRatio()));
            report.machine("tracing", options.tracingLabel() + "; OTLP/HTTP sink in the benchmark at " + sink.endpoint());
        } else {
            report.machine("tracing", options.tracingLabel());
        }
        return new ServiceProcess.Setup(settings, environment, authorization);
    }

    /** Sanity figures: did the service fetch the JWKS, did spans arrive, how many per request. */
    private void reportAuthAndTracing(long serviceRequests) {
        if (issuer != null) {
            report.note("Auth: the services fetched the JWKS " + issuer.jwksRequests() + " times in this run"
                                + (issuer.jwksRequests() == 0 ? " (none: is the service's JWT support in this build?)." : "."));
        }
        if (sink != null) {
            report.note("Tracing: the sink received " + Report.fmt(sink.spans(), 0) + " spans in "
                                + Report.fmt(sink.exports(), 0) + " exports (" + Report.fmt(sink.bytes() / 1024.0, 0) + " KiB"
                                + (sink.unreadable() > 0 ? ", " + sink.unreadable() + " not OTLP protobuf" : "")
                                + ") for " + Report.fmt(serviceRequests, 0) + " requests to the services: "
                                + Report.fmt(serviceRequests == 0 ? Double.NaN : (double) sink.spans() / serviceRequests, 3)
                                + " spans per request at a sampling ratio of " + options.tracingRatio()
                                + (sink.exports() == 0 ? " (no exports at all: is the service's tracing support in this build?)" : "")
                                + ". Per cell (column Spans/req) the figure is approximate: the exporter sends in batches"
                                + " (every 5 s by default), so spans can land in the next cell.");
        }
    }

    private void loadPhases() throws Exception {
        trainedCache();
        try (LocalEngine localEngine = LocalEngine.start(options.node(), options.engineScript(), options.results().resolve("engine.log"))) {
            engine = localEngine;
            List<String> settings = new ArrayList<>(options.serviceSettings());
            // The only difference to production: the tables are created on this empty engine.
            settings.add("-Ddynamodb.autocreate=true");
            try (ServiceProcess running = ServiceProcess.start(options.java(), withCache(options.javaOpts()), options.serviceJar(),
                                                                engine.endpoint(), settings, serviceSetup,
                                                                options.results().resolve("service.log"));
                 DynamoDbClient direct = DirectClients.create(engine.endpoint(), options.directClient(), 128)) {
                service = running;
                long ready = service.awaitOk(READY, Duration.ofMinutes(2));
                report.note("First start (tables created): ready after " + Report.fmt(millis(ready - service.startNanos()), 0) + " ms.");
                report.add(service.memory("after start"));

                Dataset data = new Dataset(TABLE, options.products(), options.names());
                DirectCalls directCalls = new DirectCalls(direct, TABLE, INDEX, data);
                ServiceCalls serviceCalls = new ServiceCalls(service, data);

                load(data, direct, "1,000 products", data::mainItem, 0, 1_000);
                data.available(1_000);
                load(data, direct, Dataset.SCALE_TARGET_SIZE + " products of the scale test's name", data::targetItem,
                     0, Dataset.SCALE_TARGET_SIZE);
                // Warm up first (no POST yet: it would add products to the small table), so that
                // the scale test's first size does not pay for the JIT.
                warmUp(serviceCalls, directCalls);
                if (options.phases().contains("scale")) {
                    scaleQuery(serviceCalls, directCalls, "query by name, 1,000 other products");
                }
                load(data, direct, (options.products() - 1_000) + " products", data::mainItem, 1_000, options.products());
                data.available(options.products());

                if (options.phases().contains("load")) {
                    brief(serviceCalls, directCalls, options.operations());
                    matrix(serviceCalls, directCalls);
                    warmUpSummary();
                    report.add(service.memory("after load"));
                    service.fullGc(jcmd());
                    report.add(service.memory("after load and a full GC"));
                }
                if (options.phases().contains("decisions")) {
                    decisions(data);
                }
                if (options.phases().contains("scale")) {
                    int fillers = options.scaleProducts() - options.products();
                    load(data, direct, fillers + " more products (scale test)", data::fillerItem, 0, fillers);
                    scaleQuery(serviceCalls, directCalls,
                               "query by name, " + Report.fmt(options.scaleProducts(), 0) + " other products");
                    pages(serviceCalls, directCalls);
                    scaleNotes();
                }
                if (!service.stop(Duration.ofSeconds(30))) {
                    report.note("The service did not stop within 30 s of SIGTERM and was killed.");
                }
            }
        }
    }

    private void load(Dataset data, DynamoDbClient direct, String what,
                      IntFunction<Map<String, AttributeValue>> items, int from, int to) {
        if (to <= from) {
            return;
        }
        progress("Loading " + what + " ...");
        Duration took = data.load(direct, items, from, to, LOAD_THREADS);
        report.add(new Report.Loaded(what, to - from, took));
    }

    /**
     * GET by id at 16 connections in steps of 5 s, from the first request after start-up: the
     * warm-up curve. Then the reads and PUT briefly on both sides, so that the JIT has seen
     * their paths before the figures are taken.
     */
    private void warmUp(ServiceCalls serviceCalls, DirectCalls directCalls) {
        Duration step = options.warmupStep();
        double stepSeconds = step.toMillis() / 1000.0;
        String section = "Warm-up: GET by id, 16 connections, in steps of " + Report.fmt(stepSeconds, 1) + " s";
        long steps = Math.max(1, options.warmup().toMillis() / step.toMillis());
        for (int i = 0; i < steps; i++) {
            String label = Report.fmt(i * stepSeconds, 1) + "–" + Report.fmt((i + 1) * stepSeconds, 1) + " s";
            Result result = measure(section, label, 16, "service", serviceCalls.get(), step, serviceCalls::connect);
            warmUpCurve.add(result.throughput());
        }
        LoadRunner.run(directCalls.get(), 16, Duration.ofSeconds(5), 0, () -> null, SEED);
        brief(serviceCalls, directCalls, List.of("put", "query", "list"));
    }

    /**
     * When the warm-up curve reached steady throughput. Steady is GET by id at 16 connections in
     * the matrix when it ran (same load, measured after all warm-up), else the curve's own tail.
     */
    private void warmUpSummary() {
        if (warmUpCurve.isEmpty()) {
            return;
        }
        double stepSeconds = options.warmupStep().toMillis() / 1000.0;
        var matrixGet = report.matrixRow("get", 16, "service");
        WarmUp curve = matrixGet.isPresent()
                ? new WarmUp(stepSeconds, warmUpCurve, matrixGet.get().result().throughput(),
                             "GET by id at 16 connections in the matrix")
                : new WarmUp(stepSeconds, warmUpCurve, WarmUp.plateau(warmUpCurve), "the warm-up curve's last third");
        report.warmUp(curve);
    }

    /** Two seconds of each operation on both sides at 16 connections, not recorded. */
    private static void brief(ServiceCalls serviceCalls, DirectCalls directCalls, List<String> operations) {
        Duration brief = Duration.ofSeconds(2);
        for (String operation : operations) {
            LoadRunner.run(serviceCalls.named(operation), 16, brief, 0, serviceCalls::connect, SEED);
            LoadRunner.run(directCalls.named(operation), 16, brief, 0, () -> null, SEED);
        }
    }

    private void matrix(ServiceCalls serviceCalls, DirectCalls directCalls) {
        String section = options.rate() > 0
                ? "Throughput and latency at a fixed rate of " + Report.fmt(options.rate(), 0)
                        + " requests/s (latency from the intended start: no coordinated omission)"
                : "Throughput and latency, closed loop, " + options.duration().toMillis() / 1000.0 + " s a cell";
        section += " — " + options.authLabel() + ", " + options.tracingLabel();
        for (String operation : options.operations()) {
            for (int connections : options.concurrency()) {
                measure(section, operation, connections, "service", serviceCalls.named(operation),
                        options.duration(), serviceCalls::connect);
                measure(section, operation, connections, "direct", directCalls.named(operation),
                        options.duration(), () -> null);
            }
        }
    }

    private void scaleQuery(ServiceCalls serviceCalls, DirectCalls directCalls, String label) {
        measure(SCALE_SECTION, label, 1, "service", serviceCalls.query(Dataset.SCALE_TARGET, null),
                options.scaleDuration(), serviceCalls::connect);
        measure(SCALE_SECTION, label, 1, "direct", directCalls.query(Dataset.SCALE_TARGET, null),
                options.scaleDuration(), () -> null);
    }

    private void pages(ServiceCalls serviceCalls, DirectCalls directCalls) throws IOException {
        for (int page : new int[] {1, 50}) {
            String list = "list, page " + page;
            measure(SCALE_SECTION, list, 1, "service", serviceCalls.list(serviceCalls.cursorOfPage(null, page)),
                    options.scaleDuration(), serviceCalls::connect);
            measure(SCALE_SECTION, list, 1, "direct", directCalls.list(directCalls.startOfPage(null, page)),
                    options.scaleDuration(), () -> null);
            String query = "query by name, page " + page;
            measure(SCALE_SECTION, query, 1, "service",
                    serviceCalls.query(Dataset.SCALE_TARGET, serviceCalls.cursorOfPage(Dataset.SCALE_TARGET, page)),
                    options.scaleDuration(), serviceCalls::connect);
            measure(SCALE_SECTION, query, 1, "direct",
                    directCalls.query(Dataset.SCALE_TARGET, directCalls.startOfPage(Dataset.SCALE_TARGET, page)),
                    options.scaleDuration(), () -> null);
        }
    }

    private void scaleNotes() {
        String small = "query by name, 1,000 other products";
        String large = "query by name, " + Report.fmt(options.scaleProducts(), 0) + " other products";
        for (String side : List.of("service", "direct")) {
            var a = report.find(SCALE_SECTION, small, 1, side);
            var b = report.find(SCALE_SECTION, large, 1, side);
            if (a.isPresent() && b.isPresent()) {
                report.note("Scale, " + side + ": query-by-name p50 with " + Report.fmt(options.scaleProducts(), 0)
                                    + " products is " + Report.fmt(b.get().result().millis(50) / a.get().result().millis(50), 2)
                                    + "× the p50 with 1,000 (mean " + Report.fmt(b.get().result().meanMillis() / a.get().result().meanMillis(), 2)
                                    + "×; target ≤ 1.5×).");
            }
            var p1 = report.find(SCALE_SECTION, "list, page 1", 1, side);
            var p50 = report.find(SCALE_SECTION, "list, page 50", 1, side);
            if (p1.isPresent() && p50.isPresent()) {
                report.note("Pages, " + side + ": list page 50 p50 is "
                                    + Report.fmt(p50.get().result().millis(50) / p1.get().result().millis(50), 2) + "× page 1.");
            }
        }
    }

    /**
     * Direct-side measurements behind the tuning decisions, with the service idle: the SDK's
     * HTTP clients under virtual threads, the pool size against the concurrency, and the
     * enhanced client's schema styles against the low-level client.
     */
    private void decisions(Dataset data) {
        String clients = "Decision: the SDK's sync HTTP client (direct GetItem, virtual threads, pool 128)";
        for (HttpClientKind kind : HttpClientKind.values()) {
            for (int connections : List.of(16, 64)) {
                decision(clients, kind.label(), connections, kind, 128, data, calls -> calls.get());
            }
        }
        String pool = "Decision: pool size at 64 concurrent calls (direct GetItem, apache5)";
        for (int size : List.of(8, 16, 64, 128)) {
            decision(pool, "pool " + size, 64, HttpClientKind.APACHE5, size, data, calls -> calls.get());
        }
        String schema = "Decision: schema style (direct GetItem, apache5, 16 connections)";
        decision(schema, "low-level client, no mapping", 16, HttpClientKind.APACHE5, 128, data, calls -> calls.get());
        decision(schema, "enhanced client, StaticTableSchema", 16, HttpClientKind.APACHE5, 128, data,
                 calls -> calls.enhancedGet(BenchItem.staticSchema()));
        decision(schema, "enhanced client, BeanTableSchema", 16, HttpClientKind.APACHE5, 128, data,
                 calls -> calls.enhancedGet(BenchItem.beanSchema()));
    }

    private void decision(String section, String label, int connections, HttpClientKind kind, int pool, Dataset data,
                          Function<DirectCalls, Operation> operation) {
        try (DynamoDbClient client = DirectClients.create(engine.endpoint(), kind, pool)) {
            Operation op = operation.apply(new DirectCalls(client, TABLE, INDEX, data));
            // Each client gets its own warm-up: its code paths are new to the JIT.
            LoadRunner.run(op, connections, options.decisionDuration().dividedBy(2), 0, () -> null, SEED);
            measure(section, label, connections, "direct", op, options.decisionDuration(), () -> null);
        } catch (RuntimeException | LinkageError e) {
            report.note(section + ", " + label + ": could not run (" + e + ").");
        }
    }

    private void startupPhase() throws Exception {
        int major = javaMajor(options.java());
        try (LocalEngine localEngine = LocalEngine.start(options.node(), options.engineScript(), options.results().resolve("engine-startup.log"));
             DynamoDbClient direct = DirectClients.create(localEngine.endpoint(), HttpClientKind.APACHE5, 4)) {
            engine = localEngine;
            Path log = options.results().resolve("service-startup.log");
            // A first start creates the tables; it is not counted (it also warms the page cache).
            try (ServiceProcess setup = ServiceProcess.start(options.java(), options.javaOpts(), options.serviceJar(),
                                                              engine.endpoint(), List.of("-Ddynamodb.autocreate=true"),
                                                              serviceSetup, log)) {
                setup.awaitOk(READY, Duration.ofMinutes(2));
            }
            Dataset data = new Dataset(TABLE, 1_000, options.names());
            data.load(direct, data::mainItem, 0, 1_000, LOAD_THREADS);
            data.available(1_000);
            String product = "/products/" + data.id(0);

            Map<String, List<String>> configs = new LinkedHashMap<>();
            configs.put("JDK " + major + ", production flags", options.javaOpts());
            Optional<Path> cache = trainedCache();
            if (cache.isPresent()) {
                List<String> withCache = new ArrayList<>(options.javaOpts());
                withCache.add("-XX:AOTCache=" + cache.get());
                configs.put("JDK " + major + ", production flags + AOT cache", withCache);
            }
            for (var config : configs.entrySet()) {
                for (int run = 1; run <= options.startupRuns(); run++) {
                    progress("Start-up: " + config.getKey() + ", run " + run);
                    try (ServiceProcess starting = ServiceProcess.start(options.java(), config.getValue(), options.serviceJar(),
                                                                         engine.endpoint(), options.serviceSettings(),
                                                                         serviceSetup, log)) {
                        long ready = starting.awaitOk(READY, Duration.ofMinutes(1));
                        long firstGet = starting.awaitOk(product, Duration.ofMinutes(1));
                        long rss = starting.rssBytes();
                        report.add(new Report.StartupRun(config.getKey(), millis(ready - starting.startNanos()),
                                                         millis(firstGet - starting.startNanos()), rss));
                        starting.stop(Duration.ofSeconds(30));
                    }
                }
            }
        }
    }

    /** The service's JVM flags plus the trained AOT cache, when there is one. */
    private List<String> withCache(List<String> javaOpts) throws Exception {
        Optional<Path> cache = trainedCache();
        if (cache.isEmpty()) {
            return javaOpts;
        }
        List<String> opts = new ArrayList<>(javaOpts);
        opts.add("-XX:AOTCache=" + cache.get());
        return List.copyOf(opts);
    }

    /**
     * The AOT cache (JDK 25, JEP 514/515), trained once per run and used by every service the run
     * starts after it, as the image uses its own: a training service on an engine of its own
     * (so that its writes do not change the measured data set) serves every operation under
     * load at 16 connections for {@code --aot-training} in all, then stops on SIGTERM and the JVM
     * writes the cache as it exits. Under load, the cache holds the method profiles of the hot
     * paths as well as the loaded and linked classes, so the measured service starts compiling
     * them at once (the warm-up curve shows the effect).
     */
    private Optional<Path> trainedCache() throws Exception {
        if (aotCache != null) {
            return aotCache;
        }
        int major = javaMajor(options.java());
        if (!options.aotCache()) {
            report.machine("AOT cache", "off (--aot=off)");
            return aotCache = Optional.empty();
        }
        if (major < 25) {
            report.machine("AOT cache", "none: needs JDK 25 (JEP 514/515), the service runs on JDK " + major);
            return aotCache = Optional.empty();
        }
        Path cache = options.results().resolve("service.aot").toAbsolutePath();
        Files.deleteIfExists(cache);
        Path log = options.results().resolve("service-training.log");
        progress("AOT cache: training run under load (" + options.aotTraining().toSeconds() + " s) ...");
        LocalEngine previous = engine;
        long start = System.nanoTime();
        try (LocalEngine trainingEngine = LocalEngine.start(options.node(), options.engineScript(),
                                                            options.results().resolve("engine-training.log"));
             DynamoDbClient direct = DirectClients.create(trainingEngine.endpoint(), HttpClientKind.APACHE5, 4)) {
            engine = trainingEngine;
            List<String> opts = new ArrayList<>(options.javaOpts());
            opts.add("-XX:AOTCacheOutput=" + cache);
            List<String> settings = new ArrayList<>(options.serviceSettings());
            settings.add("-Ddynamodb.autocreate=true");
            try (ServiceProcess training = ServiceProcess.start(options.java(), opts, options.serviceJar(),
                                                                 trainingEngine.endpoint(), settings, serviceSetup, log)) {
                training.awaitOk(READY, Duration.ofMinutes(2));
                Dataset data = new Dataset(TABLE, 1_000, options.names());
                data.load(direct, data::mainItem, 0, 1_000, LOAD_THREADS);
                data.available(1_000);
                ServiceCalls calls = new ServiceCalls(training, data);
                // GET by id gets half the time: it is the hot path; the other operations share the rest.
                Duration rest = options.aotTraining().dividedBy(2 * (BenchOptions.ALL_OPERATIONS.size() - 1));
                for (String operation : BenchOptions.ALL_OPERATIONS) {
                    Duration share = operation.equals("get") ? options.aotTraining().dividedBy(2) : rest;
                    LoadRunner.run(calls.named(operation), 16, share, 0, calls::connect, SEED);
                }
                // Writing the cache happens at exit and takes a while: give it time.
                training.stop(Duration.ofMinutes(3));
            }
        } finally {
            engine = previous;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (!Files.exists(cache)) {
            report.machine("AOT cache", "none: the training run wrote no cache, see " + log);
            return aotCache = Optional.empty();
        }
        report.machine("AOT cache", "trained under load for " + options.aotTraining().toSeconds() + " s (every operation, 16 connections); "
                + "training and writing took " + took.toSeconds() + " s; " + Files.size(cache) / (1024 * 1024) + " MB");
        return aotCache = Optional.of(cache);
    }

    private Result measure(String section, String label, int connections, String side, Operation operation,
                           Duration duration, ConnectionFactory connect) {
        Map<String, Long> pids = new LinkedHashMap<>();
        if (service != null && side.equals("service")) {
            pids.put("service", service.pid());
        }
        pids.put("engine", engine.pid());
        pids.put("bench", ProcessHandle.current().pid());
        Map<String, Double> before = new LinkedHashMap<>();
        pids.forEach((name, pid) -> before.put(name, ServiceProcess.cpuSeconds(pid)));
        long spansBefore = sink == null ? 0 : sink.spans();
        Result result = LoadRunner.run(operation, connections, duration, options.rate(), connect, SEED);
        double seconds = result.elapsed().toNanos() / 1e9;
        Map<String, Double> cpu = new LinkedHashMap<>();
        pids.forEach((name, pid) -> cpu.put(name, (ServiceProcess.cpuSeconds(pid) - before.get(name)) / seconds));
        double spans = sink != null && side.equals("service") && result.requests() > 0
                ? (double) (sink.spans() - spansBefore) / result.requests()
                : Double.NaN;
        Report.LoadRow row = new Report.LoadRow(section, label, connections, side, result, cpu, spans);
        report.add(row);
        progress("%-40s %3d conn %-7s %8s req/s  p50 %6s ms  p99 %7s ms  max %7s ms  CPU %5s µs/req  errors %d%s".formatted(
                label, connections, side, Report.fmt(result.throughput(), 0), Report.fmt(result.millis(50), 2),
                Report.fmt(result.millis(99), 2), Report.fmt(result.maxMillis(), 2), Report.fmt(row.cpuMicrosPerRequest(), 0),
                result.errors(), result.firstError() == null ? "" : " (first: " + result.firstError() + ")"));
        return result;
    }

    private void describeMachine() throws IOException {
        report.machine("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        report.machine("cpu", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        report.machine("memory", memTotal());
        report.machine("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        report.machine("service JDK", javaVersion(options.java()));
        report.machine("service JVM flags", String.join(" ", options.javaOpts()));
        report.machine("service settings", options.serviceSettings().isEmpty() ? "production defaults" : String.join(" ", options.serviceSettings()));
        report.machine("benchmark JDK", System.getProperty("java.vm.version"));
        report.machine("direct side HTTP client", options.directClient().label());
        report.machine("data set", options.products() + " products over " + options.names() + " names; scale test "
                + options.scaleProducts() + " products");
        report.machine("mode", (options.quick() ? "quick" : "full") + (options.rate() > 0 ? ", fixed rate " + options.rate() + "/s" : ", closed loop"));
        report.machine("load average at the start", loadAverage());
    }

    private static String cpuModel() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst().orElse("unknown CPU");
    }

    private static String memTotal() throws IOException {
        return Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(l -> l.startsWith("MemTotal"))
                .map(l -> Report.fmt(Long.parseLong(l.replaceAll("[^0-9]", "")) / (1024.0 * 1024.0), 1) + " GiB")
                .findFirst().orElse("unknown");
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2] + " (1, 5, 15 min)";
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String javaVersion(String java) {
        Path release = Path.of(java).toAbsolutePath().getParent().getParent().resolve("release");
        try {
            return Files.readAllLines(release).stream()
                    .filter(l -> l.startsWith("JAVA_RUNTIME_VERSION=") || l.startsWith("JAVA_VERSION="))
                    .map(l -> l.substring(l.indexOf('=') + 1).replace("\"", ""))
                    .reduce((a, b) -> b).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static int javaMajor(String java) {
        String version = javaVersion(java);
        try {
            return Integer.parseInt(version.split("[.+-]")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private String jcmd() {
        return Path.of(options.java()).toAbsolutePath().getParent().resolve("jcmd").toString();
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static void progress(String line) {
        System.err.println(line);
    }
}
