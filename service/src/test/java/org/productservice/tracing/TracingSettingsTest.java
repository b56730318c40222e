package org.productservice.tracing;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.helidon.config.Config;

import org.junit.jupiter.api.Test;

import org.productservice.testing.TestConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The standard OpenTelemetry keys, read once; invalid values stop the start with the key's name. */
class TracingSettingsTest {

    @Test
    void withoutAnEndpointTracingIsOffAndCreatesNothing() {
        TracingSettings settings = TracingSettings.create(config(Map.of()));
        assertThat(settings.enabled()).isFalse();
        Tracing tracing = Tracing.create(settings);
        assertThat(tracing.enabled()).isFalse();
        assertThat(tracing.dynamoDbInterceptors()).isEmpty();
    }

    @Test
    void theStandardKeysConfigureExportSamplingAndPropagation() {
        TracingSettings settings = TracingSettings.create(config(Map.of(
                "otel.exporter.otlp.endpoint", "http://adot-collector.monitoring:4318/",
                "otel.exporter.otlp.headers", "api-key=s3cr%3Dt,tenant=shop",
                "otel.exporter.otlp.timeout", "2000",
                "otel.traces.sampler", "parentbased_traceidratio",
                "otel.traces.sampler.arg", "0.1",
                "otel.propagators", "tracecontext",
                "otel.bsp.schedule.delay", "1000",
                "otel.bsp.max.queue.size", "4096",
                "otel.bsp.max.export.batch.size", "256",
                "otel.resource.attributes", "deployment.environment.name=prod")));
        // Field by field, not a positional record: a new setting must not break this test.
        assertThat(settings)
                .returns(true, TracingSettings::enabled)
                .returns("product-service", TracingSettings::serviceName)
                .returns(Map.of("deployment.environment.name", "prod"), TracingSettings::resource)
                .returns(java.util.Optional.of(URI.create("http://adot-collector.monitoring:4318/v1/traces")),
                         TracingSettings::endpoint)
                .returns(Map.of("api-key", "s3cr=t", "tenant", "shop"), TracingSettings::headers)
                .returns(Duration.ofSeconds(2), TracingSettings::exportTimeout)
                .returns("parentbased_traceidratio", TracingSettings::sampler)
                .returns(0.1, TracingSettings::ratio)
                .returns(List.of("tracecontext"), TracingSettings::propagators)
                .returns(Duration.ofSeconds(1), TracingSettings::scheduleDelay)
                .returns(4096, TracingSettings::maxQueueSize)
                .returns(256, TracingSettings::maxExportBatch)
                .returns("/observe", TracingSettings::untraced);
        assertThat(settings.toString()).doesNotContain("s3cr");
    }

    @Test
    void aTracesEndpointIsUsedAsItIsAndDisabledSdkWins() {
        assertThat(TracingSettings.create(config(Map.of("otel.exporter.otlp.traces.endpoint", "https://otlp.example/custom")))
                           .endpoint()).contains(URI.create("https://otlp.example/custom"));
        assertThat(TracingSettings.create(config(Map.of("otel.exporter.otlp.endpoint", "http://c:4318",
                                                        "otel.sdk.disabled", "true"))).enabled()).isFalse();
        assertThat(TracingSettings.create(config(Map.of("otel.exporter.otlp.endpoint", "http://c:4318",
                                                        "otel.traces.exporter", "none"))).enabled()).isFalse();
    }

    @Test
    void invalidValuesNameTheirKey() {
        assertThatThrownBy(() -> TracingSettings.create(config(Map.of("otel.traces.sampler.arg", "1.5"))))
                .hasMessage("otel.traces.sampler.arg must be a ratio between 0 and 1, not 1.5");
        assertThatThrownBy(() -> TracingSettings.create(config(Map.of("otel.exporter.otlp.protocol", "grpc"))))
                .hasMessageStartingWith("otel.exporter.otlp.protocol must be http/protobuf");
        assertThatThrownBy(() -> TracingSettings.create(config(Map.of("otel.traces.sampler", "sometimes"))))
                .hasMessageStartingWith("otel.traces.sampler must be one of");
        assertThatThrownBy(() -> TracingSettings.create(config(Map.of("otel.propagators", "jaeger"))))
                .hasMessageStartingWith("otel.propagators may list [tracecontext, baggage, xray]");
        assertThatThrownBy(() -> TracingSettings.create(config(Map.of("otel.bsp.max.queue.size", "0"))))
                .hasMessage("otel.bsp.max.queue.size must be positive, not 0");
        assertThatThrownBy(() -> TracingSettings.create(config(Map.of("otel.exporter.otlp.endpoint", "collector:4318"))))
                .hasMessage("otel.exporter.otlp.endpoint must be an http(s) URL, not collector:4318/v1/traces");
    }

    @Test
    void theStandardEnvironmentVariablesMapOntoTheKeys() {
        // The same mapping Helidon's environment-variable source applies to the real environment.
        Map<String, String> env = io.helidon.config.EnvironmentVariables.expand(Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://adot:4318",
                "OTEL_TRACES_SAMPLER", "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG", "0.25",
                "OTEL_SERVICE_NAME", "products"));
        TracingSettings settings = TracingSettings.create(config(env));
        assertThat(settings.enabled()).isTrue();
        assertThat(settings.endpoint()).contains(URI.create("http://adot:4318/v1/traces"));
        assertThat(settings.sampler()).isEqualTo("parentbased_traceidratio");
        assertThat(settings.ratio()).isEqualTo(0.25);
        assertThat(settings.serviceName()).isEqualTo("products");
        assertThat(settings.propagators()).containsExactly("tracecontext", "baggage", "xray");
    }

    private static Config config(Map<String, String> values) {
        return TestConfig.production(values);
    }
}
