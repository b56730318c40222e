package org.productservice.testing;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The samples of the metrics endpoint in Prometheus text format, keyed by name and sorted labels
 * without quotes, Helidon's {@code scope} label left out: e.g.
 * {@code dynamodb_client_errors_total{operation=GetItem,type=throttling}}.
 */
public final class MetricSamples {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Map<String, Double> samples;

    private MetricSamples(Map<String, Double> samples) {
        this.samples = samples;
    }

    /**
     * Reads the metrics endpoint now.
     *
     * @param admin the admin port's client
     * @return its samples
     */
    public static MetricSamples scrape(Api admin) {
        Api.Response metrics = admin.get("/observe/metrics", "Accept", "text/plain");
        assertThat(metrics.status()).isEqualTo(200);
        Map<String, Double> samples = new TreeMap<>();
        for (String line : metrics.body().split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (line.startsWith("#") || !sample.matches()) {
                continue;
            }
            Map<String, String> labels = new TreeMap<>();
            if (sample.group(2) != null) {
                Matcher label = LABEL.matcher(sample.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
                labels.remove("scope");
            }
            String key = labels.isEmpty() ? sample.group(1) : sample.group(1) + labels.toString().replace(", ", ",");
            samples.put(key, Double.parseDouble(sample.group(3)));
        }
        return new MetricSamples(samples);
    }

    /**
     * All samples of this scrape.
     *
     * @return the samples by key, read-only
     */
    public Map<String, Double> asMap() {
        return Collections.unmodifiableMap(samples);
    }

    /**
     * How much a sample grew since an earlier scrape (a sample absent counts as 0).
     *
     * @param before the earlier scrape
     * @param key    e.g. {@code dynamodb_client_retries_total{operation=GetItem}}
     * @return the difference
     */
    public double since(MetricSamples before, String key) {
        return samples.getOrDefault(key, 0.0) - before.samples.getOrDefault(key, 0.0);
    }
}
