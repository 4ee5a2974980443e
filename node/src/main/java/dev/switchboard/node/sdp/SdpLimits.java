package dev.switchboard.node.sdp;

import org.jetbrains.annotations.NotNull;

/**
 * Size limits applied by {@link SdpParser} before and while parsing untrusted SDP.
 *
 * <p>Chromium's audio+video offer with candidates is about 5.6 KiB and 165 lines with two media
 * sections, so the defaults leave ample room while bounding work and memory per message.
 *
 * @param maxBytes         largest accepted SDP, in UTF-8 bytes including line endings;
 *                         default {@value #DEFAULT_MAX_BYTES} (32 KiB); range 64 to 1 MiB
 * @param maxLines         largest accepted number of lines; default {@value #DEFAULT_MAX_LINES};
 *                         range 3 to 100000
 * @param maxMediaSections largest accepted number of m= sections; default
 *                         {@value #DEFAULT_MAX_MEDIA_SECTIONS}; range 0 to 10000
 */
public record SdpLimits(int maxBytes, int maxLines, int maxMediaSections) {
    /** Default {@link #maxBytes()}: 32 KiB. */
    public static final int DEFAULT_MAX_BYTES = 32 * 1024;
    /** Default {@link #maxLines()}. */
    public static final int DEFAULT_MAX_LINES = 2000;
    /** Default {@link #maxMediaSections()}. */
    public static final int DEFAULT_MAX_MEDIA_SECTIONS = 64;

    /** The defaults: 32 KiB, 2000 lines, 64 media sections. */
    public static final @NotNull SdpLimits DEFAULTS =
            new SdpLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_LINES, DEFAULT_MAX_MEDIA_SECTIONS);

    /**
     * @throws IllegalArgumentException when a value is outside its documented range
     */
    public SdpLimits {
        if (maxBytes < 64 || maxBytes > 1024 * 1024) {
            throw new IllegalArgumentException("maxBytes must be 64..1048576: " + maxBytes);
        }
        if (maxLines < 3 || maxLines > 100_000) {
            throw new IllegalArgumentException("maxLines must be 3..100000: " + maxLines);
        }
        if (maxMediaSections < 0 || maxMediaSections > 10_000) {
            throw new IllegalArgumentException("maxMediaSections must be 0..10000: " + maxMediaSections);
        }
    }
}
