package dev.switchboard.node.stun;

import org.jetbrains.annotations.NotNull;

/**
 * The value of an ERROR-CODE attribute (RFC 8489 §14.8).
 *
 * @param code the error code, 300..699 (class * 100 + number)
 * @param reason the UTF-8 reason phrase (may be empty); RFC 8489 §14.8 limits it to 127
 *     characters, which {@link StunMessageBuilder#errorCode} enforces when encoding
 */
public record StunErrorCode(int code, @NotNull String reason) {
    public StunErrorCode {
        if (code < 300 || code > 699) {
            // RFC 8489 §14.8: class 3..6, number 0..99
            throw new IllegalArgumentException("error code " + code + " not in 300..699");
        }
    }
}
