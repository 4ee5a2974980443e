package dev.switchboard.broker.extension;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jetbrains.annotations.NotNull;

import java.nio.charset.StandardCharsets;

/**
 * Builds the protocol's error and leave messages. Pure code (Jackson only), thread-safe.
 *
 * <pre>
 * {"v":1,"type":"error","code":"forbidden-topic","message":"...",
 *  "ref":{"topic":"...","type":"offer","id":"..."}}      // ref.type / ref.id only if present
 * {"v":1,"type":"leave"}
 * </pre>
 */
final class ErrorMessages {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Payloads bigger than this are not parsed for ref.type / ref.id. */
    private static final int MAX_PARSE = 64 * 1024;

    private ErrorMessages() {
    }

    /**
     * @param code     machine-readable code, e.g. {@code forbidden-topic}.
     * @param message  human-readable explanation.
     * @param topic    the topic of the offending publish.
     * @param payload  the offending payload; its {@code type} and {@code id} (strings) are echoed
     *                 in {@code ref} when it is a JSON object that has them. Never throws for bad
     *                 JSON.
     * @return the UTF-8 JSON bytes of the error message.
     */
    static byte @NotNull [] error(final @NotNull String code, final @NotNull String message,
                                  final @NotNull String topic, final byte @NotNull [] payload) {
        final ObjectNode root = JSON.createObjectNode();
        root.put("v", 1);
        root.put("type", "error");
        root.put("code", code);
        root.put("message", message);
        final ObjectNode ref = root.putObject("ref");
        ref.put("topic", topic);
        final JsonNode parsed = parseObject(payload);
        if (parsed != null) {
            copyString(parsed, ref, "type");
            copyString(parsed, ref, "id");
        }
        return bytes(root);
    }

    /** @return {@code {"v":1,"type":"leave"}}. */
    static byte @NotNull [] leave() {
        return "{\"v\":1,\"type\":\"leave\"}".getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode parseObject(final byte[] payload) {
        if (payload.length == 0 || payload.length > MAX_PARSE) {
            return null;
        }
        try {
            final JsonNode node = JSON.readTree(payload);
            return node != null && node.isObject() ? node : null;
        } catch (final java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static void copyString(final JsonNode from, final ObjectNode to, final String field) {
        final JsonNode value = from.get(field);
        if (value != null && value.isTextual()) {
            to.put(field, value.asText());
        }
    }

    private static byte[] bytes(final ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise an ObjectNode", e);
        }
    }
}
