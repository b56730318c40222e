package org.productservice.observability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * JVM and process meters under the names Prometheus users expect ({@code jvm_memory_used_bytes},
 * {@code jvm_gc_pause_seconds}, {@code process_cpu_usage}, {@code process_resident_memory_bytes}...),
 * from Micrometer's binders on the registry Helidon's metrics are built on.
 */
public final class JvmMetrics {
    private static final Path STATUS = Path.of("/proc/self/status");

    private JvmMetrics() {
    }

    /**
     * Binds the meters once per registry.
     *
     * @param helidonRegistry the server's registry
     */
    public static void bind(io.helidon.metrics.api.MeterRegistry helidonRegistry) {
        MeterRegistry registry = helidonRegistry.unwrap(MeterRegistry.class);
        if (registry.find("jvm.memory.used").meter() != null) {
            return;
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        if (Files.isReadable(STATUS)) {
            // Resident set size is what a container's memory limit counts; the JVM does not report it.
            Gauge.builder("process.resident.memory", JvmMetrics::residentBytes)
                    .description("Resident set size of the process")
                    .baseUnit("bytes")
                    .register(registry);
        }
        // Last: from here on, meters are only created through Helidon's registry (see GcPauses).
        GcPauses.install(helidonRegistry);
    }

    private static double residentBytes() {
        try {
            List<String> lines = Files.readAllLines(STATUS);
            for (String line : lines) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Double.parseDouble(parts[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
