package org.productservice.tracing;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.helidon.config.Config;

import org.productservice.config.ConfigKeys;

/**
 * Tracing settings, read once from the standard OpenTelemetry keys ({@code otel.*}). Helidon's
 * configuration maps the standard environment variables onto them
 * ({@code OTEL_EXPORTER_OTLP_ENDPOINT} is {@code otel.exporter.otlp.endpoint}), so the variables
 * an operator already knows work, as do the same keys in a YAML file or as system properties.
 *
 * <p>The {@code otel.*} keys are not in {@code application.yaml}: their defaults are the
 * OpenTelemetry specification's, written here once (docs/CONFIGURATION.md lists them).
 *
 * <p>Tracing is on only when an OTLP endpoint is set (and {@code otel.sdk.disabled} is not true,
 * and {@code otel.traces.exporter} is not {@code none}); otherwise nothing is created at all.
 *
 * @param enabled         whether spans are created and exported
 * @param serviceName     {@code service.name} of the resource ({@code otel.service.name})
 * @param resource        further resource attributes ({@code otel.resource.attributes}, k=v,k=v)
 * @param endpoint        full URL the spans are posted to (…/v1/traces), when enabled
 * @param headers         headers of the export requests ({@code otel.exporter.otlp[.traces].headers})
 * @param exportTimeout   bound of one export request ({@code otel.exporter.otlp[.traces].timeout}, ms)
 * @param sampler         {@code parentbased_traceidratio}, {@code parentbased_always_on},
 *                        {@code parentbased_always_off}, {@code traceidratio}, {@code always_on}
 *                        or {@code always_off} ({@code otel.traces.sampler})
 * @param ratio           sampled fraction of new traces ({@code otel.traces.sampler.arg})
 * @param propagators     any of {@code tracecontext}, {@code baggage} and {@code xray} ({@code otel.propagators});
 *                        all three unless set
 * @param scheduleDelay   batch export interval ({@code otel.bsp.schedule.delay}, ms)
 * @param maxQueueSize    spans waiting for export; beyond, new spans are dropped ({@code otel.bsp.max.queue.size})
 * @param maxExportBatch  spans per export request ({@code otel.bsp.max.export.batch.size})
 * @param untraced        path prefix of requests that get no span: the health probes and metric
 *                        scrapes under {@code observe.endpoint}, which would flood every trace search
 */
public record TracingSettings(boolean enabled, String serviceName, Map<String, String> resource, Optional<URI> endpoint,
                              Map<String, String> headers, Duration exportTimeout, String sampler, double ratio,
                              List<String> propagators, Duration scheduleDelay, int maxQueueSize, int maxExportBatch,
                              String untraced) {
    private static final List<String> SAMPLERS = List.of("parentbased_traceidratio", "parentbased_always_on",
                                                         "parentbased_always_off", "traceidratio", "always_on",
                                                         "always_off");
    private static final List<String> PROPAGATORS = List.of("tracecontext", "baggage", "xray");

    /**
     * Reads the settings.
     *
     * @param root the root configuration (the keys are {@code otel.*})
     * @return settings
     * @throws IllegalArgumentException naming the key of an invalid value
     */
    public static TracingSettings create(Config root) {
        Config otel = root.get("otel");
        Optional<URI> endpoint = string(otel, "exporter.otlp.traces.endpoint").map(URI::create)
                .or(() -> string(otel, "exporter.otlp.endpoint").map(TracingSettings::tracesPath));
        boolean disabled = otel.get("sdk.disabled").asBoolean().orElse(false);
        String exporter = string(otel, "traces.exporter").orElse("otlp").toLowerCase(Locale.ROOT);
        if (!exporter.equals("otlp") && !exporter.equals("none")) {
            throw new IllegalArgumentException("otel.traces.exporter must be otlp or none, not " + exporter);
        }
        String protocol = string(otel, "exporter.otlp.traces.protocol")
                .or(() -> string(otel, "exporter.otlp.protocol")).orElse("http/protobuf");
        if (!protocol.equals("http/protobuf")) {
            throw new IllegalArgumentException("otel.exporter.otlp.protocol must be http/protobuf (the only one this "
                                                       + "service sends), not " + protocol);
        }
        endpoint.ifPresent(uri -> {
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                throw new IllegalArgumentException("otel.exporter.otlp.endpoint must be an http(s) URL, not " + uri);
            }
        });
        String sampler = string(otel, "traces.sampler").orElse("parentbased_traceidratio").toLowerCase(Locale.ROOT);
        if (!SAMPLERS.contains(sampler)) {
            throw new IllegalArgumentException("otel.traces.sampler must be one of " + SAMPLERS + ", not " + sampler);
        }
        double ratio = string(otel, "traces.sampler.arg").map(TracingSettings::ratio).orElse(1.0);
        List<String> propagators = string(otel, "propagators").map(TracingSettings::list)
                .orElse(PROPAGATORS);
        for (String propagator : propagators) {
            if (!PROPAGATORS.contains(propagator) && !propagator.equals("none")) {
                throw new IllegalArgumentException("otel.propagators may list " + PROPAGATORS + " (or none), not "
                                                           + propagator);
            }
        }
        Map<String, String> headers = string(otel, "exporter.otlp.traces.headers")
                .or(() -> string(otel, "exporter.otlp.headers")).map(value -> pairs("otel.exporter.otlp.headers", value))
                .orElse(Map.of());
        long timeoutMs = positive(otel, "exporter.otlp.traces.timeout",
                                  positive(otel, "exporter.otlp.timeout", 10_000));
        return new TracingSettings(endpoint.isPresent() && !disabled && exporter.equals("otlp"),
                                   string(otel, "service.name").orElse("product-service"),
                                   string(otel, "resource.attributes").map(value -> pairs("otel.resource.attributes", value))
                                           .orElse(Map.of()),
                                   endpoint, headers, Duration.ofMillis(timeoutMs), sampler, ratio,
                                   propagators.stream().filter(PROPAGATORS::contains).toList(),
                                   Duration.ofMillis(positive(otel, "bsp.schedule.delay", 5_000)),
                                   (int) positive(otel, "bsp.max.queue.size", 2_048),
                                   (int) positive(otel, "bsp.max.export.batch.size", 512),
                                   ConfigKeys.string(root.get("observe.endpoint")));
    }

    /** Export headers often carry an API key: never print their values. */
    @Override
    public String toString() {
        return "TracingSettings[enabled=" + enabled + ", serviceName=" + serviceName + ", endpoint=" + endpoint.orElse(null)
                + ", headers=" + headers.keySet() + ", sampler=" + sampler + ", ratio=" + ratio + "]";
    }

    /** The spec: a signal-less endpoint gets the signal's path appended. */
    private static URI tracesPath(String base) {
        return URI.create(base.endsWith("/") ? base + "v1/traces" : base + "/v1/traces");
    }

    private static Optional<String> string(Config otel, String key) {
        return otel.get(key).asString().map(String::trim).filter(value -> !value.isEmpty());
    }

    private static long positive(Config otel, String key, long fallback) {
        long value = string(otel, key).map(text -> {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("otel." + key + " must be a whole number, not " + text);
            }
        }).orElse(fallback);
        if (value < 1) {
            throw new IllegalArgumentException("otel." + key + " must be positive, not " + value);
        }
        return value;
    }

    private static double ratio(String text) {
        try {
            double ratio = Double.parseDouble(text);
            if (ratio >= 0 && ratio <= 1) {
                return ratio;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("otel.traces.sampler.arg must be a ratio between 0 and 1, not " + text);
    }

    private static List<String> list(String value) {
        return java.util.Arrays.stream(value.split(",")).map(String::trim).map(s -> s.toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).toList();
    }

    private static Map<String, String> pairs(String key, String value) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String pair : value.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException(key + " must be key=value pairs separated by commas");
            }
            pairs.put(pair.substring(0, eq).trim(), java.net.URLDecoder.decode(pair.substring(eq + 1).trim(),
                                                                              java.nio.charset.StandardCharsets.UTF_8));
        }
        return Map.copyOf(pairs);
    }
}
