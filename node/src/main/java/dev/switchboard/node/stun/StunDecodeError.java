package dev.switchboard.node.stun;

/** Why a datagram is not an acceptable STUN message; see {@link StunDecodeResult.Failure}. */
public enum StunDecodeError {
    /** Fewer than 20 bytes (RFC 8489 §5). */
    TOO_SHORT,
    /** The two most significant bits of the first byte are not zero (RFC 8489 §5). */
    NOT_STUN_LEADING_BITS,
    /** The magic cookie is not 0x2112A442 (RFC 8489 §5). */
    BAD_MAGIC_COOKIE,
    /** The message length is not a multiple of 4 (RFC 8489 §5). */
    LENGTH_NOT_MULTIPLE_OF_4,
    /** The message length field does not match the datagram size (RFC 8489 §5, §6.3). */
    LENGTH_MISMATCH,
    /** An attribute header or value runs past the end of the message (RFC 8489 §14). */
    ATTRIBUTE_TRUNCATED,
    /** A known attribute has a malformed value (bad length, family, class...). */
    BAD_ATTRIBUTE,
    /** FINGERPRINT is not the last attribute (RFC 8489 §14.7). */
    FINGERPRINT_NOT_LAST,
    /** FINGERPRINT present but does not match the message (RFC 8489 §14.7). */
    FINGERPRINT_MISMATCH
}
