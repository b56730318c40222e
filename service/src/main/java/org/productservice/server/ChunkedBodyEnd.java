package org.productservice.server;

import io.helidon.common.buffers.BufferData;

/**
 * Finds the end of a chunked request body in bytes as they arrive, so that {@link ConnectionGuard}
 * knows when the whole body has been received. It only frames (sizes, CRLFs, trailers); Helidon's
 * own parser still reads and validates the body. Anything it does not understand ends the search,
 * and Helidon then answers it (400 or 413).
 */
final class ChunkedBodyEnd {
    private enum State {
        SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER_START, TRAILER, TRAILER_LF, END_LF, DONE, INVALID
    }

    private final long limit;
    private final byte[] scratch = new byte[1024];
    private State state = State.SIZE;
    private long size;
    private int sizeDigits;
    private long remaining;
    private long scanned;

    /**
     * @param limit bytes of framing and data after which the search gives up (the body is too large anyway)
     */
    ChunkedBodyEnd(long limit) {
        this.limit = limit;
    }

    /**
     * Looks at the bytes not seen yet.
     *
     * @param received everything received so far, from the start of the body
     * @return whether the search is over: the body's end was found, or the framing is invalid or too long
     */
    boolean over(BufferData received) {
        int available = received.available();
        received.skip((int) scanned);
        while (scanned < available && !finished()) {
            int read = received.read(scratch, 0, (int) Math.min(scratch.length, available - scanned));
            for (int i = 0; i < read && !finished(); i++) {
                next(scratch[i]);
                scanned++;
            }
        }
        if (scanned > limit) {
            state = State.INVALID;
        }
        return finished();
    }

    /** Whether the whole body, up to its last CRLF, was received. */
    boolean complete() {
        return state == State.DONE;
    }

    private boolean finished() {
        return state == State.DONE || state == State.INVALID;
    }

    private void next(byte b) {
        switch (state) {
            case SIZE -> {
                int digit = Character.digit(b, 16);
                if (digit >= 0 && sizeDigits < 15) {
                    size = size * 16 + digit;
                    sizeDigits++;
                } else if (sizeDigits > 0 && (b == ';' || b == ' ' || b == '\t')) {
                    state = State.EXTENSION;
                } else if (sizeDigits > 0 && b == '\r') {
                    state = State.SIZE_LF;
                } else {
                    state = State.INVALID;
                }
            }
            case EXTENSION -> state = b == '\r' ? State.SIZE_LF : State.EXTENSION;
            case SIZE_LF -> {
                if (b != '\n') {
                    state = State.INVALID;
                } else if (size == 0) {
                    state = State.TRAILER_START;
                } else {
                    remaining = size;
                    state = State.DATA;
                }
            }
            case DATA -> {
                if (--remaining == 0) {
                    state = State.DATA_CR;
                }
            }
            case DATA_CR -> state = b == '\r' ? State.DATA_LF : State.INVALID;
            case DATA_LF -> {
                if (b == '\n') {
                    size = 0;
                    sizeDigits = 0;
                    state = State.SIZE;
                } else {
                    state = State.INVALID;
                }
            }
            case TRAILER_START -> state = b == '\r' ? State.END_LF : State.TRAILER;
            case TRAILER -> state = b == '\r' ? State.TRAILER_LF : State.TRAILER;
            case TRAILER_LF -> state = b == '\n' ? State.TRAILER_START : State.INVALID;
            case END_LF -> state = b == '\n' ? State.DONE : State.INVALID;
            default -> {
                // DONE and INVALID take no more bytes
            }
        }
    }
}
