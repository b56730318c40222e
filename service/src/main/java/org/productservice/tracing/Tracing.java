package org.productservice.tracing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.helidon.webserver.http.HttpRouting;

import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;

import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * The process's tracing: an OpenTelemetry SDK tracer provider exporting over OTLP
 * http/protobuf, or nothing at all. When tracing is off ({@link #off()}, no endpoint
 * configured) no filter is registered and no SDK interceptor is added, so a request does no
 * tracing work whatsoever: no span, no context, no header parsing.
 *
 * <p>Export never slows a request: spans go to a bounded queue ({@code otel.bsp.max.queue.size},
 * dropped beyond it) that one background thread sends in batches, each request bounded by
 * {@code otel.exporter.otlp.timeout}.
 */
public final class Tracing {
    private static final String SCOPE = "org.productservice";
    static final int MAX_ATTRIBUTE_LENGTH = 256;

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final String untraced;

    private Tracing(SdkTracerProvider provider, TextMapPropagator propagator, String untraced) {
        this.provider = provider;
        this.tracer = provider == null ? null : provider.get(SCOPE);
        this.propagator = propagator;
        this.untraced = untraced;
    }

    /**
     * No tracing.
     *
     * @return tracing that registers nothing
     */
    public static Tracing off() {
        return new Tracing(null, TextMapPropagator.noop(), "");
    }

    /**
     * Tracing as configured: the OTLP exporter behind a batch processor, or {@link #off()}.
     *
     * @param settings tracing settings
     * @return tracing
     */
    public static Tracing create(TracingSettings settings) {
        if (!settings.enabled()) {
            return off();
        }
        OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(settings.endpoint().orElseThrow().toString())
                .setTimeout(settings.exportTimeout());
        settings.headers().forEach(exporter::addHeader);
        SpanProcessor batches = BatchSpanProcessor.builder(exporter.build())
                .setScheduleDelay(settings.scheduleDelay())
                .setMaxQueueSize(settings.maxQueueSize())
                .setMaxExportBatchSize(Math.min(settings.maxExportBatch(), settings.maxQueueSize()))
                .setExporterTimeout(settings.exportTimeout())
                .build();
        return create(settings, batches);
    }

    /**
     * Tracing into a given span processor (tests use a simple processor on an in-memory exporter).
     *
     * @param settings  sampler, propagators and resource
     * @param processor where ended spans go
     * @return tracing
     */
    public static Tracing create(TracingSettings settings, SpanProcessor processor) {
        AttributesBuilder resource = Attributes.builder().put("service.name", settings.serviceName());
        settings.resource().forEach(resource::put);
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(resource.build())))
                .setSampler(sampler(settings))
                // A path is the client's text (up to limits.headers long): keep attributes small.
                .setSpanLimits(SpanLimits.builder().setMaxAttributeValueLength(MAX_ATTRIBUTE_LENGTH).build())
                .addSpanProcessor(processor)
                .build();
        List<TextMapPropagator> propagators = new ArrayList<>();
        // X-Ray first: a later propagator's context wins, and W3C traceparent is the standard one.
        if (settings.propagators().contains("xray")) {
            propagators.add(new XrayPropagator());
        }
        if (settings.propagators().contains("tracecontext")) {
            propagators.add(W3CTraceContextPropagator.getInstance());
        }
        if (settings.propagators().contains("baggage")) {
            propagators.add(W3CBaggagePropagator.getInstance());
        }
        return new Tracing(provider, TextMapPropagator.composite(propagators), settings.untraced());
    }

    /**
     * A convenience for tests: sends ended spans straight to an exporter, one by one.
     *
     * @param settings sampler, propagators and resource
     * @param exporter where ended spans go
     * @return tracing
     */
    public static Tracing create(TracingSettings settings, SpanExporter exporter) {
        return create(settings, io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(exporter));
    }

    /**
     * Whether spans are created.
     *
     * @return true when on
     */
    public boolean enabled() {
        return provider != null;
    }

    /**
     * Adds the server-span filter, first of all filters so that every other filter, handler and
     * error handler runs inside the request's span. Nothing when tracing is off.
     *
     * @param routing the routing
     * @return the same routing, for chaining
     */
    public HttpRouting.Builder register(HttpRouting.Builder routing) {
        if (enabled()) {
            routing.addFilter(new ServerSpans(tracer, propagator, untraced, this::shutdown));
        }
        return routing;
    }

    /**
     * The interceptors the DynamoDB client needs: one span per call, none when tracing is off.
     *
     * @return interceptors
     */
    public List<ExecutionInterceptor> dynamoDbInterceptors() {
        return enabled() ? List.of(new DynamoDbSpans(tracer)) : List.of();
    }

    /** Sends the spans still queued (bounded wait), then stops the export thread. */
    void shutdown() {
        if (provider != null) {
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }

    private static Sampler sampler(TracingSettings settings) {
        return switch (settings.sampler()) {
            case "parentbased_always_on" -> Sampler.parentBased(Sampler.alwaysOn());
            case "parentbased_always_off" -> Sampler.parentBased(Sampler.alwaysOff());
            case "traceidratio" -> Sampler.traceIdRatioBased(settings.ratio());
            case "always_on" -> Sampler.alwaysOn();
            case "always_off" -> Sampler.alwaysOff();
            default -> Sampler.parentBased(Sampler.traceIdRatioBased(settings.ratio()));
        };
    }
}
