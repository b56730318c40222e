package org.productservice.tracing;

import java.util.HashMap;
import java.util.Map;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The X-Ray trace header, both ways; anything malformed is ignored, never an error. */
class XrayPropagatorTest {
    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier.get(key);
        }
    };
    private final XrayPropagator propagator = new XrayPropagator();

    @Test
    void aSampledHeaderBecomesTheRemoteParent() {
        SpanContext parent = extract("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1");
        assertThat(parent.isValid()).isTrue();
        assertThat(parent.isRemote()).isTrue();
        assertThat(parent.getTraceId()).isEqualTo("5759e988bd862e3fe1be46a994272793");
        assertThat(parent.getSpanId()).isEqualTo("53995c3f42cd8ad8");
        assertThat(parent.isSampled()).isTrue();
        assertThat(extract("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0").isSampled()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Root=1-5759e988-bd862e3fe1be46a994272793",                                  // ALB: no parent to continue
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz;Sampled=1",
            "Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "Root=1-5759e988bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8",
            "Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8",
            "Parent=53995c3f42cd8ad8;Sampled=1",
            ";;;===",
            ""})
    void malformedOrParentlessHeadersAreIgnored(String header) {
        assertThat(extract(header).isValid()).isFalse();
    }

    @Test
    void injectWritesTheHeaderItReads() {
        String header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        Context context = propagator.extract(Context.root(), Map.of(XrayPropagator.HEADER, header), GETTER);
        Map<String, String> out = new HashMap<>();
        propagator.inject(context, out, Map::put);
        assertThat(out).containsExactly(Map.entry(XrayPropagator.HEADER, header));
    }

    private SpanContext extract(String header) {
        return Span.fromContext(propagator.extract(Context.root(), Map.of(XrayPropagator.HEADER, header), GETTER)).getSpanContext();
    }
}
