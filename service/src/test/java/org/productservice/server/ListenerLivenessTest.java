package org.productservice.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import io.helidon.health.HealthCheckResponse;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The API-listener liveness check against a real listening socket, then the same port closed. */
class ListenerLivenessTest {

    @Test
    void upWhileThePortAcceptsAndDownOnceTheListenerIsGone() throws IOException {
        ListenerLiveness check = new ListenerLiveness("0.0.0.0", Duration.ofMillis(500), Duration.ZERO);
        assertThat(check.call().status()).as("before the server started").isEqualTo(HealthCheckResponse.Status.DOWN);

        int port;
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = listener.getLocalPort();
            check.started(port);
            HealthCheckResponse up = check.call();
            assertThat(up.status()).isEqualTo(HealthCheckResponse.Status.UP);
            assertThat(up.details()).isEmpty();
        }
        HealthCheckResponse down = check.call();
        assertThat(down.status()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(String.valueOf(down.details().get("listener"))).startsWith("port " + port + " does not accept");
    }

    @Test
    void aPortThatStopsAcceptingIsDownOnlyAfterTheGrace() throws Exception {
        ListenerLiveness check = new ListenerLiveness("127.0.0.1", Duration.ofMillis(500), Duration.ofMillis(800));
        int port;
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = listener.getLocalPort();
            check.started(port);
            assertThat(check.call().status()).isEqualTo(HealthCheckResponse.Status.UP);
        }
        // A moment without accept (a full backlog during a connection flood): still live.
        HealthCheckResponse during = check.call();
        assertThat(during.status()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(String.valueOf(during.details().get("listener"))).startsWith("port " + port + " does not accept")
                .contains("last accepted");
        Thread.sleep(900);
        assertThat(check.call().status()).as("past the grace").isEqualTo(HealthCheckResponse.Status.DOWN);
    }
}
