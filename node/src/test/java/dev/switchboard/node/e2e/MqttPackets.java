package dev.switchboard.node.e2e;

import org.jetbrains.annotations.NotNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names the MQTT 5 control packets in a WebSocket frame's bytes, for the benchmark's breakdown of
 * what a browser sends (MQTT 5 §2.1: fixed header, remaining length; §3.3.2: a PUBLISH's topic,
 * packet id and properties). Reads what it can and says "?" for the rest; never throws.
 */
final class MqttPackets {
    private static final String[] TYPES = {"?", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL",
            "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};
    private static final Pattern TYPE = Pattern.compile("\"type\":\"([a-z-]+)\"");

    private MqttPackets() {
    }

    /** @return e.g. {@code PUBLISH(210 B) sb/v1/room/…/presence join}, one entry per packet in the frame */
    static @NotNull String describe(final byte @NotNull [] frame) {
        final List<String> out = new ArrayList<>();
        int i = 0;
        while (i < frame.length) {
            final int type = (frame[i] & 0xff) >> 4;
            final int qos = (frame[i] >> 1) & 3;
            int length = 0;
            int shift = 0;
            int j = i + 1;
            while (j < frame.length && shift <= 21) {
                final int b = frame[j++] & 0xff;
                length |= (b & 0x7f) << shift;
                shift += 7;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            final int end = Math.min(frame.length, j + length);
            String what = TYPES[type] + "(" + (end - i) + " B)";
            if (type == 3 && j + 2 <= end) {
                final int topicLength = ((frame[j] & 0xff) << 8) | (frame[j + 1] & 0xff);
                final String topic = new String(frame, j + 2, Math.min(topicLength, end - j - 2), StandardCharsets.UTF_8);
                final String payload = new String(frame, j, end - j, StandardCharsets.UTF_8);
                final Matcher m = TYPE.matcher(payload);
                what += " " + (topic.isEmpty() ? "(topic alias)" : abbreviate(topic)) + (qos > 0 ? "" : " qos0")
                        + (m.find() ? " " + m.group(1) : "");
            }
            out.add(what);
            if (end <= i) {
                break;
            }
            i = end;
        }
        return String.join(" + ", out);
    }

    private static String abbreviate(final String topic) {
        return topic.replaceAll("[A-Za-z0-9_-]{43}", "…");
    }
}
