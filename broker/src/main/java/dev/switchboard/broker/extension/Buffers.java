package dev.switchboard.broker.extension;

import org.jetbrains.annotations.NotNull;

import java.nio.ByteBuffer;

/** Byte buffer helpers for the HiveMQ and MQTT client APIs, which hand out read-only buffers. */
public final class Buffers {

    private Buffers() {
    }

    /**
     * Copies the remaining bytes of a buffer without moving its position (HiveMQ shares payload
     * and authentication-data buffers between readers).
     *
     * @param buffer any buffer; it is not modified.
     * @return a new array with the bytes from its position to its limit.
     */
    public static byte @NotNull [] copyOf(final @NotNull ByteBuffer buffer) {
        final ByteBuffer b = buffer.asReadOnlyBuffer();
        final byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
