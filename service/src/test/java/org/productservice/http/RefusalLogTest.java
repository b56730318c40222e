package org.productservice.http;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RefusalLogTest {
    private final AtomicLong now = new AtomicLong(TimeUnit.HOURS.toNanos(5));
    private final List<String> lines = new ArrayList<>();
    private final RefusalLog log = new RefusalLog(now::get, lines::add, false);

    @Test
    void aFloodIsOneLinePerReasonAndSecondWithItsCount() {
        for (int i = 0; i < 10_000; i++) {
            log.note("@default", 503, "concurrency_limit");
            now.addAndGet(TimeUnit.MICROSECONDS.toNanos(50));
        }
        // 0.5 s of refusals: the first is logged at once, the rest waits for its second to pass.
        assertThat(lines).containsExactly("Refused 1 request just now with 503 (concurrency_limit) on listener @default");

        log.flush();
        assertThat(lines).hasSize(1);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(600));
        log.flush();
        assertThat(lines).hasSize(2).last()
                .isEqualTo("Refused 9999 requests in the last 1.1 s with 503 (concurrency_limit) on listener @default");
        log.flush();
        assertThat(lines).hasSize(2);
    }

    @Test
    void reasonsAndListenersHaveLinesOfTheirOwn() {
        log.note("@default", 503, "concurrency_limit");
        log.note("@default", 503, "connection_cap");
        log.note("admin", 503, "concurrency_limit");
        log.note("@default", 408, "head_timeout");
        log.note("@default", 503, "concurrency_limit");

        assertThat(lines).hasSize(4).allSatisfy(line -> assertThat(line).startsWith("Refused 1 request just now with "));
        now.addAndGet(TimeUnit.SECONDS.toNanos(2));
        log.flush();
        assertThat(lines).hasSize(5).last().asString().contains("Refused 1 request in the last 2.0 s with 503 (concurrency_limit)");
    }
}
