package org.productservice.observability;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * An attempt's error answer body as the SDK reads it, its start kept to read DynamoDB's error
 * code ({@link #errorCode}); a read that fails marks the answer as cut short. The SDK hands
 * interceptors neither a retried attempt's exception nor its unmarshalled error, so this is how
 * {@link DynamoDbCall} learns what the attempt was answered.
 */
final class ErrorAnswerBody extends FilterInputStream {
    /** Bytes kept: DynamoDB's error bodies are far smaller. */
    private static final int KEPT = 4096;

    private final byte[] kept = new byte[KEPT];
    private int length;
    private boolean cutShort;

    ErrorAnswerBody(InputStream body) {
        super(body);
    }

    /** Whether reading the answer failed (I/O or a timeout cut it). */
    boolean cutShort() {
        return cutShort;
    }

    /**
     * DynamoDB's error code in an error answer, or null.
     *
     * @param header the {@code x-amzn-ErrorType} header, or null
     * @param body   the answer's body as read so far, or null if none was read
     * @return e.g. {@code ProvisionedThroughputExceededException}, or null
     */
    static String errorCode(String header, ErrorAnswerBody body) {
        return body == null ? errorCode(header, new byte[0], 0) : errorCode(header, body.kept, body.length);
    }

    /**
     * DynamoDB's error code in an error answer, read as the SDK's JSON protocol reads it: the
     * {@code x-amzn-ErrorType} header if present (up to its first colon), else the body's
     * {@code __type} (after its last {@code #}).
     *
     * @param header the {@code x-amzn-ErrorType} header, or null
     * @param body   the start of the answer's body
     * @param length how many bytes of {@code body} were read
     * @return e.g. {@code ProvisionedThroughputExceededException}, or null if the answer names none
     */
    static String errorCode(String header, byte[] body, int length) {
        if (header != null && !header.isBlank()) {
            int colon = header.indexOf(':');
            return (colon < 0 ? header : header.substring(0, colon)).strip();
        }
        String text = new String(body, 0, length, StandardCharsets.UTF_8);
        int field = text.indexOf("\"__type\"");
        if (field < 0) {
            return null;
        }
        int colon = text.indexOf(':', field + 8);
        int open = colon < 0 ? -1 : text.indexOf('"', colon + 1);
        int close = open < 0 ? -1 : text.indexOf('"', open + 1);
        if (close < 0 || !text.substring(field + 8, colon).isBlank() || !text.substring(colon + 1, open).isBlank()) {
            return null;
        }
        String type = text.substring(open + 1, close);
        return type.substring(type.lastIndexOf('#') + 1);
    }

    @Override
    public int read() throws IOException {
        try {
            int b = super.read();
            if (b >= 0 && length < kept.length) {
                kept[length++] = (byte) b;
            }
            return b;
        } catch (IOException e) {
            cutShort = true;
            throw e;
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int count) throws IOException {
        try {
            int read = super.read(buffer, offset, count);
            if (read > 0 && length < kept.length) {
                int copied = Math.min(read, kept.length - length);
                System.arraycopy(buffer, offset, kept, length, copied);
                length += copied;
            }
            return read;
        } catch (IOException e) {
            cutShort = true;
            throw e;
        }
    }
}
