package org.productservice.tracing;

import java.util.Collection;
import java.util.List;
import java.util.Locale;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * AWS X-Ray's trace header, {@code X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;
 * Parent=53995c3f42cd8ad8;Sampled=1}, as an OpenTelemetry propagator: an X-Ray trace id is a
 * W3C trace id with a version and a dash in it.
 *
 * <p>Ours rather than OpenTelemetry contrib's {@code opentelemetry-aws-xray-propagator}: every
 * version of it that the registry serves (up to 1.57.0-alpha) calls an internal method that the
 * 1.68 API no longer has, and fails with {@code NoSuchMethodError} on the first header.
 * A header without {@code Parent} (what an ALB adds on its own) carries no span to continue and
 * is ignored, as is any malformed header.
 */
final class XrayPropagator implements TextMapPropagator {
    /** The header name. */
    static final String HEADER = "X-Amzn-Trace-Id";

    @Override
    public Collection<String> fields() {
        return List.of(HEADER);
    }

    @Override
    public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
        SpanContext span = Span.fromContext(context).getSpanContext();
        if (!span.isValid() || setter == null) {
            return;
        }
        String trace = span.getTraceId();
        setter.set(carrier, HEADER, "Root=1-" + trace.substring(0, 8) + "-" + trace.substring(8)
                + ";Parent=" + span.getSpanId() + ";Sampled=" + (span.isSampled() ? "1" : "0"));
    }

    @Override
    public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
        String header = getter.get(carrier, HEADER);
        if (header == null || header.length() > 256) {
            return context;
        }
        String root = null;
        String parent = null;
        boolean sampled = false;
        for (String part : header.split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = part.substring(0, eq).trim();
            String value = part.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
            switch (key) {
                case "Root" -> root = value;
                case "Parent" -> parent = value;
                case "Sampled" -> sampled = value.equals("1");
                default -> {
                    // Lineage and other fields carry nothing OpenTelemetry uses.
                }
            }
        }
        // Root=1-<8 hex epoch seconds>-<24 hex random>
        if (root == null || parent == null || root.length() != 35 || !root.startsWith("1-") || root.charAt(10) != '-') {
            return context;
        }
        String traceId = root.substring(2, 10) + root.substring(11);
        if (!TraceId.isValid(traceId) || !SpanId.isValid(parent)) {
            return context;
        }
        SpanContext remote = SpanContext.createFromRemoteParent(traceId, parent,
                                                                sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(),
                                                                TraceState.getDefault());
        return context.with(Span.wrap(remote));
    }
}
