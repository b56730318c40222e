package org.productservice.server;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The default connection cap fits the open-files limit and the heap, whatever the container gives. */
class ConnectionSettingsTest {
    private static final long PLENTY_OF_HEAP = 1L << 30;

    @Test
    void aGenerousLimitKeepsTheDefaultCap() {
        assertThat(ConnectionSettings.defaultMax(OptionalLong.of(1_048_576), 32, PLENTY_OF_HEAP)).isEqualTo(2000);
        assertThat(ConnectionSettings.defaultMax(OptionalLong.of(2000 + 32 + 512), 32, PLENTY_OF_HEAP)).isEqualTo(2000);
        assertThat(ConnectionSettings.defaultMax(OptionalLong.empty(), 32, PLENTY_OF_HEAP)).isEqualTo(2000);
    }

    @Test
    void aContainersLimitOf1024ShrinksTheDefaultCapToFit() {
        // podman and some Docker set-ups give 1024: the default must still start and never exhaust fds.
        assertThat(ConnectionSettings.defaultMax(OptionalLong.of(1024), 32, PLENTY_OF_HEAP)).isEqualTo(1024 - 32 - 512);
    }

    @Test
    void theProductionHeapShrinksTheDefaultCapToWhatItsShareHolds() {
        // -Xmx80m, 40 % for connections: 32 MB at 64 KB a connection.
        long share = (long) (80L * 1024 * 1024 * 0.4);
        assertThat(ConnectionSettings.defaultMax(OptionalLong.of(1_048_576), 32, share))
                .isEqualTo((int) (share / ConnectionSettings.HEAP_PER_CONNECTION)).isEqualTo(512);
        // Whichever is lower wins.
        assertThat(ConnectionSettings.defaultMax(OptionalLong.of(1024), 32, share)).isEqualTo(1024 - 32 - 512);
    }

    @Test
    void aLimitWithNoRoomForConnectionsStopsTheStartNamingIt() {
        assertThatThrownBy(() -> ConnectionSettings.defaultMax(OptionalLong.of(600), 32, PLENTY_OF_HEAP))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the open-files limit (ulimit -n = 600) leaves room for fewer than 64 connections: raise it");
        assertThatThrownBy(() -> ConnectionSettings.defaultMax(OptionalLong.empty(), 32, 1L << 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("connections.heap");
    }
}
