package dev.switchboard.broker.topic;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * The topic grammar of the compatibility listener (docs/protocol.md §12), where anonymous clients
 * of public-broker signaling libraries (Trystero's MQTT strategy, RTChat) meet: flat names only.
 * Pure and thread-safe.
 *
 * <pre>
 * flat-topic = 1*128( %x21-22 / %x24-2A / %x2C-2E / %x30-7E )   ; printable ASCII without
 *                                                                ; SP, '#', '+', '/'
 *              and not starting with '$'
 * </pre>
 * A flat topic has no level separator, so nothing under {@code sb/} (every topic of the
 * Switchboard protocol has one) can be named, subscribed or published; no wildcard
 * ({@code #}, {@code +}: MQTT 5 §4.7.1) means no subscription reaches more than one topic; no
 * {@code $} means no {@code $SYS}/{@code $share} topics (MQTT 5 §4.7.2). Trystero names its topics
 * with 40 hex digits (SHA-1 of app and room), which fit.
 */
public final class FlatTopics {
    /** Longest flat topic, in characters. */
    public static final int MAX_LENGTH = 128;

    private FlatTopics() {
    }

    /**
     * @param topic a topic name or filter from an untrusted client; may be null.
     * @return null when it is a flat topic, else why not (naming the rule, quoting at most 40
     *     characters of the input).
     */
    public static @Nullable String whyNotFlat(final @Nullable String topic) {
        if (topic == null || topic.isEmpty()) {
            return "empty topic";
        }
        if (topic.length() > MAX_LENGTH) {
            return "topic longer than " + MAX_LENGTH + " characters";
        }
        if (topic.charAt(0) == '$') {
            return "topics starting with '$' are not served here: " + shorten(topic);
        }
        for (int i = 0; i < topic.length(); i++) {
            final char c = topic.charAt(i);
            if (c == '/') {
                return "only flat topic names (no '/') are served here: " + shorten(topic);
            }
            if (c == '#' || c == '+') {
                return "wildcards are not allowed here: " + shorten(topic);
            }
            if (c <= 0x20 || c >= 0x7f) {
                return "topic names here are printable ASCII without spaces: " + shorten(topic);
            }
        }
        return null;
    }

    private static @NotNull String shorten(final @NotNull String topic) {
        final StringBuilder s = new StringBuilder(44).append('\'');
        for (int i = 0; i < Math.min(40, topic.length()); i++) {
            final char c = topic.charAt(i);
            s.append(c < 0x20 || c >= 0x7f ? '?' : c);
        }
        return s.append(topic.length() > 40 ? "…'" : "'").toString();
    }
}
