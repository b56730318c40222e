package org.productservice.server;

import java.util.Set;

import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * A connection selector of a listener that decides by a new connection's first line alone (no
 * bytes needed up front, no protocol negotiation): {@link Http1Wire} and {@link UnparseableRequests}.
 */
abstract class FirstLineSelector implements ServerConnectionSelector {
    private final int maxRequestLine;

    /**
     * @param maxRequestLine the HTTP/1 configuration's {@code maxPrologueLength}
     */
    FirstLineSelector(int maxRequestLine) {
        this.maxRequestLine = maxRequestLine;
    }

    /** The longest request line, bytes. */
    final int maxRequestLine() {
        return maxRequestLine;
    }

    /** Whether this selector takes a connection whose first bytes hold this. */
    abstract Support supports(FirstLine line);

    @Override
    public final int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public final Support supports(BufferData request) {
        return supports(FirstLine.of(request, maxRequestLine));
    }

    @Override
    public final Set<String> supportedApplicationProtocols() {
        return Set.of();
    }
}
