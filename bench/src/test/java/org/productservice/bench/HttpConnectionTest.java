package org.productservice.bench;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpConnectionTest {
    private static HttpConnection.ParsedResponse parse(String raw) throws IOException {
        return HttpConnection.read(new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void readsContentLengthBodyAndEtag() throws IOException {
        var parsed = parse("HTTP/1.1 200 OK\r\nETag: \"3\"\r\nContent-Length: 5\r\n\r\nhelloEXTRA");

        assertThat(parsed.close()).isFalse();
        assertThat(parsed.response().status()).isEqualTo(200);
        assertThat(parsed.response().etag()).isEqualTo("\"3\"");
        assertThat(parsed.response().bodyText()).isEqualTo("hello");
    }

    @Test
    void readsChunkedBodyWithExtensionsAndTrailers() throws IOException {
        var parsed = parse("HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n"
                                   + "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n");

        assertThat(parsed.response().status()).isEqualTo(201);
        assertThat(parsed.response().bodyText()).isEqualTo("Wikipedia");
    }

    @Test
    void skipsInterimResponsesAndHonoursConnectionClose() throws IOException {
        var parsed = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");

        assertThat(parsed.response().status()).isEqualTo(204);
        assertThat(parsed.response().body()).isEmpty();
        assertThat(parsed.close()).isTrue();
    }

    @Test
    void truncatedBodyIsAnError() {
        assertThatThrownBy(() -> parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"))
                .isInstanceOf(EOFException.class);
    }

    @Test
    void garbageIsAnError() {
        assertThatThrownBy(() -> parse("SSH-2.0-OpenSSH\r\n\r\n")).isInstanceOf(IOException.class);
    }
}
