package org.productservice.server;

import java.util.function.Supplier;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.BadRequestException;

/**
 * Helidon's reader, remembering the last bytes read with {@link #readBytes} (at the receive
 * listener's {@code prologue} callback: the request line) and checking the CRLF after each
 * chunk's data (the only {@code skip(2)} that follows a {@code readBuffer(n)}): Helidon 4.5.0
 * skips those two bytes unseen, so a chunk with more data than its size said went on as if
 * framed, until a 408; here it is a 400 at once.
 */
final class WireReader extends DataReader {
    private static final byte[] CRLF = {'\r', '\n'};

    private byte[] lastBytes;
    private boolean afterData;

    WireReader(Supplier<byte[]> source) {
        super(source);
    }

    /** The bytes of the last {@link #readBytes} (null before the first). */
    byte[] lastBytes() {
        return lastBytes;
    }

    @Override
    public byte[] readBytes(int len) {
        afterData = false;
        byte[] bytes = super.readBytes(len);
        lastBytes = bytes;
        return bytes;
    }

    @Override
    public BufferData readBuffer(int length) {
        BufferData data = super.readBuffer(length);
        afterData = true;
        return data;
    }

    @Override
    public int available() {
        afterData = false;
        return super.available();
    }

    @Override
    public int findNewLine(int max) {
        afterData = false;
        return super.findNewLine(max);
    }

    @Override
    public void skip(int lenToSkip) {
        if (afterData) {
            afterData = false;
            if (lenToSkip == 2 && !startsWith(CRLF)) {
                throw new BadRequestException("A chunk of the request body has more data than its size says.");
            }
        }
        super.skip(lenToSkip);
    }
}
