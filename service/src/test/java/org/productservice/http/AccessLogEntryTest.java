package org.productservice.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The text form of an access-log line: its duration reads as {@code String.format("%.1f")} writes it. */
class AccessLogEntryTest {

    @Test
    void theDurationIsRoundedAsStringFormatRoundsIt() {
        List<Double> durations = new ArrayList<>(List.of(0.0, 0.0004, 0.001, 0.049, 0.05, 0.05000000000000001, 0.15, 0.25, 0.35,
                                                         0.45, 0.95, 1.05, 1.25, 2.5, 9.95, 99.95, 999.95, 9_999_999.95,
                                                         10_000_000.0, 1e300, Double.MIN_VALUE, Double.MAX_VALUE, -0.0, -1.25,
                                                         Double.NaN, Double.POSITIVE_INFINITY));
        Random random = new Random(14);
        for (int i = 0; i < 200_000; i++) {
            durations.add(switch (i % 4) {
                case 0 -> random.nextLong(0, 60_000_000_000L) / 1_000_000.0; // how the filter measures: nanos / 1e6
                case 1 -> random.nextInt(100_000) / 1000.0 + 0.05;
                case 2 -> random.nextDouble() * 100;
                default -> Double.longBitsToDouble(random.nextLong(0, Double.doubleToRawLongBits(2e7)));
            });
        }
        for (double duration : durations) {
            assertThat(entry(duration).toString()).as("%s", duration).isEqualTo(reference(duration));
        }
    }

    @Test
    void theDurationFollowsTheDefaultFormatLocale() {
        Locale locale = Locale.getDefault(Locale.Category.FORMAT);
        try {
            for (Locale other : List.of(Locale.GERMANY, Locale.forLanguageTag("ar-EG-u-nu-arab"), Locale.forLanguageTag("hi-IN-u-nu-deva"),
                                        Locale.US)) {
                Locale.setDefault(Locale.Category.FORMAT, other);
                for (double duration : List.of(0.0, 1.25, 12.34, 1234.56)) {
                    assertThat(entry(duration).toString()).as("%s in %s", duration, other).isEqualTo(reference(duration));
                }
            }
            Locale.setDefault(Locale.Category.FORMAT, Locale.GERMANY);
            assertThat(entry(1.25).toString()).contains(" in 1,3 ms");
        } finally {
            Locale.setDefault(Locale.Category.FORMAT, locale);
        }
    }

    @Test
    void thePrincipalIsNamedOnlyWhenThereIsOne() {
        assertThat(new AccessLogEntry("r", "GET", "/products", "/products", 200, 3.0, "alice").toString())
                .isEqualTo("GET /products -> 200 in 3.0 ms (route /products, request r, principal alice)");
        assertThat(new AccessLogEntry("r", "GET", "/products", "/products", 200, 3.0, null).toString())
                .isEqualTo("GET /products -> 200 in 3.0 ms (route /products, request r)");
    }

    private static AccessLogEntry entry(double duration) {
        return new AccessLogEntry("req", "GET", "/products/{id}", "/products/p1", 200, duration, null);
    }

    /** The first version's text, built with String.format. */
    private static String reference(double duration) {
        return "GET /products/p1 -> 200 in " + String.format("%.1f", duration) + " ms (route /products/{id}, request req)";
    }
}
