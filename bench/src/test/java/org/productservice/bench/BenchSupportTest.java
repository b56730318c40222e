package org.productservice.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BenchSupportTest {
    @Test
    void durationsParseInTheMakefilesUnits() {
        assertThat(BenchOptions.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(BenchOptions.duration("2.5s")).isEqualTo(Duration.ofMillis(2500));
        assertThat(BenchOptions.duration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(BenchOptions.duration("7")).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void quickModeShortensEveryPhase() {
        BenchOptions quick = BenchOptions.parse(new String[] {"--quick=1", "--concurrency=1,16"});

        assertThat(quick.quick()).isTrue();
        assertThat(quick.duration()).isEqualTo(Duration.ofSeconds(2));
        assertThat(quick.concurrency()).containsExactly(1, 16);
        assertThat(quick.operations()).containsExactlyElementsOf(BenchOptions.ALL_OPERATIONS);
    }

    @Test
    void nextCursorIsReadFromAPage() throws IOException {
        byte[] page = "{\"items\":[{\"id\":\"a\",\"tags\":{\"x\":[1,2]}}],\"next_cursor\":\"abc\"}".getBytes(StandardCharsets.UTF_8);
        byte[] last = "{\"items\":[]}".getBytes(StandardCharsets.UTF_8);

        assertThat(ServiceCalls.nextCursor(page)).isEqualTo("abc");
        assertThat(ServiceCalls.nextCursor(last)).isNull();
    }

    @Test
    void workersOwnDisjointProducts() {
        Dataset data = new Dataset("t", 1_000, 10);
        data.available(1_000);
        for (int index = 0; index < 16; index++) {
            var worker = new LoadRunner.Worker(index, 16, new SplittableRandom(index), null);
            for (int i = 0; i < 100; i++) {
                int product = ServiceCalls.ownedProduct(worker, data);
                assertThat(product % 16).isEqualTo(index);
                assertThat(product).isBetween(0, 999);
            }
        }
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertThat(Report.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(Report.median(List.of(4.0, 1.0, 2.0, 3.0))).isEqualTo(2.5);
    }

    @Test
    void timestampsHaveThreeDecimals() {
        assertThat(Dataset.epochSeconds(1_700_000_000_005L)).isEqualTo("1700000000.005");
    }
}
