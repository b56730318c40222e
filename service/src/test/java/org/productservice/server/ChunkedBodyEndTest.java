package org.productservice.server;

import java.nio.charset.StandardCharsets;

import io.helidon.common.buffers.BufferData;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The end of a chunked body is found however its bytes arrive, and bad framing ends the search. */
class ChunkedBodyEndTest {

    @Test
    void theEndIsFoundAcrossArrivalsWithExtensionsAndTrailers() {
        String body = "4;ext=1\r\n{\"a\"\r\n2\r\n:1\r\n1\r\n}\r\n0\r\nX-Trailer: 1\r\n\r\n";
        ChunkedBodyEnd end = new ChunkedBodyEnd(1000);
        for (int received = 1; received < body.length(); received++) {
            assertThat(end.over(bytes(body.substring(0, received)))).as("after %d bytes", received).isFalse();
        }
        assertThat(end.over(bytes(body))).isTrue();
        assertThat(end.complete()).isTrue();
    }

    @Test
    void bytesAfterTheEndAreNotNeeded() {
        ChunkedBodyEnd end = new ChunkedBodyEnd(1000);
        assertThat(end.over(bytes("2\r\n{}\r\n0\r\n\r\nGET / HTTP/1.1\r\n"))).isTrue();
        assertThat(end.complete()).isTrue();
    }

    @Test
    void badFramingOrTooManyBytesEndTheSearchWithoutTheEnd() {
        ChunkedBodyEnd bad = new ChunkedBodyEnd(1000);
        assertThat(bad.over(bytes("zz\r\n"))).isTrue();
        assertThat(bad.complete()).isFalse();
        ChunkedBodyEnd missingCrlf = new ChunkedBodyEnd(1000);
        assertThat(missingCrlf.over(bytes("2\r\n{}XX"))).isTrue();
        assertThat(missingCrlf.complete()).isFalse();
        ChunkedBodyEnd large = new ChunkedBodyEnd(10);
        assertThat(large.over(bytes("ff\r\n" + "a".repeat(20)))).isTrue();
        assertThat(large.complete()).isFalse();
    }

    private static BufferData bytes(String text) {
        return BufferData.create(text.getBytes(StandardCharsets.ISO_8859_1));
    }
}
