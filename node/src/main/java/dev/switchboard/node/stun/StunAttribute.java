package dev.switchboard.node.stun;

import org.jetbrains.annotations.NotNull;

/**
 * One attribute of a decoded STUN message (RFC 8489 §14: type-length-value, value padded to a
 * multiple of 4 bytes; the padding is not part of {@code value}).
 *
 * <p>Note that, as a record holding an array, equality is by array identity; compare
 * {@link #value()} contents with {@link java.util.Arrays#equals(byte[], byte[])}.
 *
 * @param type the 16-bit attribute type, 0..0xFFFF (see the {@code ATTR_*} constants in {@link Stun})
 * @param offset where the attribute's 4-byte header starts, counted from the start of the message
 * @param value the value bytes without padding (owned by this record; do not modify)
 */
public record StunAttribute(int type, int offset, byte @NotNull [] value) {
    /**
     * RFC 8489 §14: types 0x0000-0x7FFF are comprehension-required, 0x8000-0xFFFF
     * comprehension-optional.
     *
     * @return whether an agent that does not know this attribute must reject the message
     */
    public boolean comprehensionRequired() {
        return type < 0x8000;
    }
}
