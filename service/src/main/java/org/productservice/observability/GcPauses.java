package org.productservice.observability;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * {@code jvm_gc_pause_seconds} (stop-the-world pauses) and {@code jvm_gc_concurrent_phase_time_seconds}
 * (concurrent cycles of ZGC and Shenandoah), by collector, action and cause, from the JVM's GC
 * notifications.
 *
 * <p>Why not Micrometer's {@code JvmGcMetrics}: it registers a meter on the first notification
 * of each collector/action/cause, on the JVM's notification thread, directly on the Micrometer
 * registry. Helidon's registry wraps that one with its own lock and registers its meters in the
 * opposite lock order, so a GC that happened while a request or the server registered a meter
 * deadlocked both threads (seen at start-up by {@code make bench}). Here every meter is created
 * through Helidon's registry, in the same order as all the others.
 */
final class GcPauses implements NotificationListener {
    private final MeterRegistry registry;
    private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();

    private GcPauses(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Listens to every collector of this JVM.
     *
     * @param registry where the timers go
     */
    static void install(MeterRegistry registry) {
        GcPauses listener = new GcPauses(registry);
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
            }
        }
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        String name = concurrent(info.getGcName(), info.getGcCause()) ? "jvm.gc.concurrent.phase.time" : "jvm.gc.pause";
        timers.computeIfAbsent(List.of(name, info.getGcName(), info.getGcAction(), info.getGcCause()), this::timer)
                .record(Duration.ofMillis(info.getGcInfo().getDuration()));
    }

    private Timer timer(List<String> key) {
        return registry.getOrCreate(Timer.builder(key.get(0))
                                            .description(key.get(0).equals("jvm.gc.pause")
                                                                 ? "Time spent in GC pauses"
                                                                 : "Time spent in concurrent GC phases")
                                            .tags(List.of(Tag.create("gc", key.get(1)),
                                                          Tag.create("action", key.get(2)),
                                                          Tag.create("cause", key.get(3)))));
    }

    /** ZGC and Shenandoah report their concurrent cycles as separate "collectors"; those are not pauses. */
    private static boolean concurrent(String collector, String cause) {
        return "No GC".equals(cause) || collector.endsWith(" Cycles");
    }
}
