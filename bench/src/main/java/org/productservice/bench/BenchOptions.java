package org.productservice.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.productservice.bench.DirectClients.HttpClientKind;

/**
 * Options of a benchmark run, from {@code --key=value} arguments (the Makefile passes them).
 * {@code --quick} shortens every phase so that a whole run takes about two minutes; the
 * figures it gives are for checking that everything works, not for recording.
 */
record BenchOptions(Path serviceJar,
                    Path engineScript,
                    String node,
                    String java,
                    List<String> javaOpts,
                    List<String> serviceSettings,
                    List<String> operations,
                    List<Integer> concurrency,
                    Duration duration,
                    Duration warmup,
                    Duration warmupStep,
                    double rate,
                    int products,
                    int names,
                    int scaleProducts,
                    Duration scaleDuration,
                    int startupRuns,
                    Duration decisionDuration,
                    HttpClientKind directClient,
                    Set<String> phases,
                    Path results,
                    boolean quick,
                    boolean jwtAuth,
                    double tracingRatio,
                    Duration deadline,
                    Duration deadlineMargin,
                    boolean aotCache,
                    Duration aotTraining) {

    /** The container image's JVM flags (service/Dockerfile, Makefile JAVA_OPTS). */
    static final String DEFAULT_JAVA_OPTS = "-XX:+UseSerialGC -Xmx80m -XX:TrimNativeHeapInterval=2000 -XX:+ExitOnOutOfMemoryError";
    static final List<String> ALL_OPERATIONS = List.of("get", "post", "put", "query", "list");
    static final Set<String> ALL_PHASES = Set.of("load", "scale", "startup", "decisions");

    static BenchOptions parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("Arguments are --key=value, not " + arg);
            }
            int eq = arg.indexOf('=');
            values.put(eq < 0 ? arg.substring(2) : arg.substring(2, eq), eq < 0 ? "true" : arg.substring(eq + 1));
        }
        boolean quick = Boolean.parseBoolean(values.getOrDefault("quick", "false"))
                || values.getOrDefault("quick", "").equals("1");
        List<String> operations = list(values.getOrDefault("operations", String.join(",", ALL_OPERATIONS)));
        for (String operation : operations) {
            if (!ALL_OPERATIONS.contains(operation)) {
                throw new IllegalArgumentException("Unknown operation " + operation + "; known: " + ALL_OPERATIONS);
            }
        }
        Set<String> phases = Set.copyOf(list(values.getOrDefault("phases", String.join(",", ALL_PHASES))));
        for (String phase : phases) {
            if (!ALL_PHASES.contains(phase)) {
                throw new IllegalArgumentException("Unknown phase " + phase + "; known: " + ALL_PHASES);
            }
        }
        String java = values.getOrDefault("java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        BenchOptions options = new BenchOptions(
                Path.of(values.getOrDefault("service-jar", "service/target/product-service.jar")),
                Path.of(values.getOrDefault("engine-script", "local/engine.js")),
                values.getOrDefault("node", "node"),
                java,
                serviceJvmOptions(values),
                words(values.getOrDefault("service-settings", "")),
                operations,
                list(values.getOrDefault("concurrency", "1,16,64")).stream().map(Integer::parseInt).toList(),
                duration(values.getOrDefault("duration", quick ? "2s" : "5s")),
                duration(values.getOrDefault("warmup", quick ? "10s" : "30s")),
                duration(values.getOrDefault("warmup-step", "5s")),
                Double.parseDouble(values.getOrDefault("rate", "0")),
                Integer.parseInt(values.getOrDefault("products", "10000")),
                Integer.parseInt(values.getOrDefault("names", "300")),
                Integer.parseInt(values.getOrDefault("scale-products", quick ? "20000" : "100000")),
                duration(values.getOrDefault("scale-duration", quick ? "2s" : "5s")),
                Integer.parseInt(values.getOrDefault("startup-runs", quick ? "3" : "5")),
                duration(values.getOrDefault("decision-duration", quick ? "2s" : "3s")),
                HttpClientKind.parse(values.getOrDefault("direct-client", "apache5")),
                phases,
                Path.of(values.getOrDefault("results", "bench/results")),
                quick,
                auth(values.getOrDefault("auth", "off")),
                tracing(values.getOrDefault("tracing", "off")),
                values.containsKey("deadline") ? duration(values.get("deadline")) : null,
                duration(values.getOrDefault("deadline-margin", "250ms")),
                aot(values.getOrDefault("aot", "on")),
                duration(values.getOrDefault("aot-training", quick ? "10s" : "30s")));
        if (options.products() < 1_000 || options.scaleProducts() < options.products()) {
            throw new IllegalArgumentException("Need products >= 1000 and scale-products >= products");
        }
        if (options.warmupStep().isZero() || options.warmupStep().isNegative()) {
            throw new IllegalArgumentException("--warmup-step must be positive");
        }
        return options;
    }

    /**
     * The service's JVM flags plus {@code -XX:MaxRAM} for {@code --memory-limit} (default 640m, the
     * Deployment's {@code limits.memory}): the JVM then sizes its heap as in the pod, whatever the
     * host's memory. {@code --memory-limit=none} leaves it to the host.
     */
    private static List<String> serviceJvmOptions(Map<String, String> values) {
        List<String> opts = new ArrayList<>(words(values.getOrDefault("java-opts", DEFAULT_JAVA_OPTS)));
        String limit = values.getOrDefault("memory-limit", "640m");
        if (!limit.equals("none")) {
            opts.add("-XX:MaxRAM=" + limit);
        }
        return List.copyOf(opts);
    }

    /** {@code --aot}: on (the load phase's service runs with an AOT cache trained under load, as the image does) or off. */
    private static boolean aot(String text) {
        return switch (text) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("--aot is on or off, not " + text);
        };
    }

    /** {@code --auth}: off (the service's default) or jwt (a token on every request, see JwtIssuer). */
    static boolean auth(String text) {
        return switch (text.trim()) {
            case "", "off", "none" -> false;
            case "jwt" -> true;
            default -> throw new IllegalArgumentException("--auth is off or jwt, not " + text);
        };
    }

    /**
     * {@code --tracing}: off (0: no OTEL_* variables, the service's default) or the sampling ratio
     * of {@code parentbased_traceidratio}, above 0 and at most 1.
     */
    static double tracing(String text) {
        String t = text.trim();
        if (t.isEmpty() || t.equals("off")) {
            return 0;
        }
        double ratio;
        try {
            ratio = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--tracing is off or a sampling ratio in (0, 1], not " + text);
        }
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("--tracing is off or a sampling ratio in (0, 1], not " + text);
        }
        return ratio;
    }

    /** How the run's auth and tracing are labelled in the report. */
    String authLabel() {
        return jwtAuth ? "auth on (JWT, RS256)" : "auth off";
    }

    String tracingLabel() {
        return tracingRatio > 0 ? "tracing on (sampling ratio " + tracingRatio + ")" : "tracing off";
    }

    /** Parses 500ms, 10s, 2m. */
    static Duration duration(String text) {
        String t = text.trim();
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("s")) {
            return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
        }
        if (t.endsWith("m")) {
            return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
        }
        return Duration.ofSeconds(Long.parseLong(t));
    }

    private static List<String> list(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }
}
