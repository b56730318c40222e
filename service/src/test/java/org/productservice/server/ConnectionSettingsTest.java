package org.productservice.server;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The default connection cap fits the open-files limit, whatever the container gives. */
class ConnectionSettingsTest {

    @Test
    void aGenerousLimitKeepsTheDefaultCap() {
        assertThat(ConnectionSettings.defaultMax(OptionalLong.of(1_048_576), 32)).isEqualTo(2000);
        assertThat(ConnectionSettings.defaultMax(OptionalLong.of(2000 + 32 + 512), 32)).isEqualTo(2000);
        assertThat(ConnectionSettings.defaultMax(OptionalLong.empty(), 32)).isEqualTo(2000);
    }

    @Test
    void aContainersLimitOf1024ShrinksTheDefaultCapToFit() {
        // podman and some Docker set-ups give 1024: the default must still start and never exhaust fds.
        assertThat(ConnectionSettings.defaultMax(OptionalLong.of(1024), 32)).isEqualTo(1024 - 32 - 512);
    }

    @Test
    void aLimitWithNoRoomForConnectionsStopsTheStartNamingIt() {
        assertThatThrownBy(() -> ConnectionSettings.defaultMax(OptionalLong.of(600), 32))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the open-files limit (ulimit -n = 600) leaves room for fewer than 64 connections: raise it");
    }
}
