package dev.switchboard.node.signaling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.broker.identity.PeerIds;
import dev.switchboard.broker.spi.SignalingMessage;
import org.jetbrains.annotations.NotNull;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Checks one signaling payload against protocol version 1 ({@code docs/protocol.md}) before the
 * node uses it: well-formed UTF-8 JSON object, {@code "v": 1}, a known {@code type} that belongs on
 * the topic it was published to, every required field present with the right shape and size, and
 * no sender claim that contradicts the verified sender. Unknown fields are ignored.
 *
 * <p>Pure and thread-safe: takes a message, returns a {@link Result}; never throws on untrusted
 * input.
 */
public final class MessageValidator {

    /** Protocol version this node speaks. */
    public static final int VERSION = 1;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern B64URL = Pattern.compile("[A-Za-z0-9_-]+");
    /** docs/protocol.md §5: 16 to 64 base64url characters (at least 96 bits). */
    private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9_-]{16,64}");
    private static final Pattern CONTEXT = Pattern.compile("(room|call):[A-Za-z0-9_-]{1,64}");
    private static final int MAX_MESSAGE_ID = 64;
    private static final int MAX_KEY_CHARS = 256;
    private static final int MAX_NAME_CHARS = 64;
    private static final int MAX_CANDIDATE_CHARS = 1024;
    private static final int MAX_ERROR_TEXT = 512;

    private final ObjectMapper mapper;
    private final int maxSdpBytes;

    /**
     * @param maxSdpBytes the largest {@code sdp} field accepted, in bytes of UTF-8.
     */
    public MessageValidator(final int maxSdpBytes) {
        if (maxSdpBytes <= 0) {
            throw new IllegalArgumentException("maxSdpBytes must be positive: " + maxSdpBytes);
        }
        this.maxSdpBytes = maxSdpBytes;
        final JsonMapper m = JsonMapper.builder().build();
        m.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(16)
                .maxStringLength(128 * 1024)
                .build());
        this.mapper = m;
    }

    /** @return the shared JSON mapper configured for signaling payloads. */
    public @NotNull ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Validates one message.
     *
     * @param message the message as published, with its verified sender.
     * @return {@link Result.Valid} with the parsed type and object, or {@link Result.Invalid} with an
     *     error naming the offending field and value.
     */
    public @NotNull Result validate(final @NotNull SignalingMessage message) {
        final String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(message.payload()))
                    .toString();
        } catch (final CharacterCodingException e) {
            return invalid(SignalingError.BAD_JSON, "payload is not valid UTF-8");
        }
        final JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (final JsonProcessingException e) {
            return invalid(SignalingError.BAD_JSON, "payload is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            return invalid(SignalingError.BAD_JSON, "payload must be a JSON object");
        }
        final ObjectNode obj = (ObjectNode) root;
        final JsonNode v = obj.get("v");
        if (v == null || !v.isIntegralNumber() || v.intValue() != VERSION) {
            return invalid(SignalingError.BAD_VERSION,
                    "field 'v' must be " + VERSION + " (got " + (v == null ? "nothing" : v) + ")");
        }
        final JsonNode typeNode = obj.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            return invalid(SignalingError.BAD_FIELD, "field 'type' must be a string");
        }
        final MessageType type = MessageType.fromWireName(typeNode.asText());
        if (type == null) {
            return invalid(SignalingError.UNKNOWN_TYPE, "unknown message type '" + clip(typeNode.asText()) + "'");
        }
        if (type.topicKind() != message.kind()) {
            return invalid(SignalingError.BAD_FIELD, "type '" + type.wireName() + "' does not belong on topic "
                    + message.topic());
        }
        final JsonNode from = obj.get("from");
        if (from != null && !(from.isTextual() && from.asText().equals(message.senderId()))) {
            return invalid(SignalingError.FORGED_SENDER, "field 'from' (" + clip(from.toString())
                    + ") is not the verified sender " + message.senderId());
        }
        final String problem = checkFields(type, obj);
        if (problem != null) {
            return invalid(SignalingError.BAD_FIELD, problem);
        }
        if (type == MessageType.OFFER || type == MessageType.ANSWER) {
            final int bytes = obj.get("sdp").asText().getBytes(StandardCharsets.UTF_8).length;
            if (bytes > maxSdpBytes) {
                return invalid(SignalingError.TOO_LARGE,
                        "field 'sdp' is " + bytes + " bytes, over the limit of " + maxSdpBytes);
            }
        }
        if ((type == MessageType.JOIN || type == MessageType.HELLO)
                && !peerIdOf(obj.get("key").asText()).equals(message.senderId())) {
            return invalid(SignalingError.KEY_MISMATCH,
                    "field 'key' does not hash to the verified sender id " + message.senderId());
        }
        return new Result.Valid(type, obj);
    }

    private static String checkFields(final MessageType type, final ObjectNode o) {
        String p = optionalString(o, "id", MAX_MESSAGE_ID);
        if (p != null) {
            return p;
        }
        switch (type) {
            case JOIN -> {
                p = firstProblem(b64(o, "key", MAX_KEY_CHARS), matches(o, "nonce", NONCE),
                        optionalString(o, "name", MAX_NAME_CHARS));
            }
            case HELLO -> {
                p = firstProblem(matches(o, "room", ID), b64(o, "key", MAX_KEY_CHARS), matches(o, "nonce", NONCE),
                        optionalString(o, "name", MAX_NAME_CHARS));
            }
            case OFFER, ANSWER -> {
                p = firstProblem(matches(o, "context", CONTEXT), b64(o, "sig", 256), sdp(o));
            }
            case CANDIDATE -> {
                p = firstProblem(matches(o, "context", CONTEXT), candidate(o));
            }
            case HANGUP -> p = matches(o, "context", CONTEXT);
            case ERROR -> p = firstProblem(string(o, "code", 64), optionalString(o, "message", MAX_ERROR_TEXT));
            case LEAVE -> p = null;
            default -> throw new IllegalStateException("unhandled type " + type);
        }
        return p;
    }

    private static String sdp(final ObjectNode o) {
        final JsonNode n = o.get("sdp");
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            return "field 'sdp' must be a non-empty string";
        }
        return null;
    }

    private static String candidate(final ObjectNode o) {
        final JsonNode c = o.get("candidate");
        if (c == null || !c.isTextual() || c.asText().length() > MAX_CANDIDATE_CHARS) {
            return "field 'candidate' must be a string of at most " + MAX_CANDIDATE_CHARS + " characters";
        }
        final String p = optionalString(o, "sdpMid", 64);
        if (p != null) {
            return p;
        }
        final JsonNode idx = o.get("sdpMLineIndex");
        if (idx != null && !idx.isNull() && !(idx.isIntegralNumber() && idx.intValue() >= 0 && idx.intValue() < 64)) {
            return "field 'sdpMLineIndex' must be a whole number from 0 to 63 (got " + clip(idx.toString()) + ")";
        }
        return null;
    }

    private static String firstProblem(final String... problems) {
        for (final String p : problems) {
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private static String string(final ObjectNode o, final String field, final int maxChars) {
        final JsonNode n = o.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty() || n.asText().length() > maxChars) {
            return "field '" + field + "' must be a non-empty string of at most " + maxChars + " characters"
                    + (n == null ? " (missing)" : " (got " + clip(n.toString()) + ")");
        }
        return null;
    }

    private static String optionalString(final ObjectNode o, final String field, final int maxChars) {
        final JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        return string(o, field, maxChars);
    }

    private static String matches(final ObjectNode o, final String field, final Pattern pattern) {
        final JsonNode n = o.get(field);
        if (n == null || !n.isTextual() || !pattern.matcher(n.asText()).matches()) {
            return "field '" + field + "' must match " + pattern.pattern()
                    + (n == null ? " (missing)" : " (got " + clip(n.toString()) + ")");
        }
        return null;
    }

    private static String b64(final ObjectNode o, final String field, final int maxChars) {
        final JsonNode n = o.get(field);
        if (n == null || !n.isTextual() || n.asText().length() > maxChars
                || !B64URL.matcher(n.asText()).matches()) {
            return "field '" + field + "' must be base64url without padding, at most " + maxChars + " characters"
                    + (n == null ? " (missing)" : " (got " + clip(n.toString()) + ")");
        }
        return null;
    }

    /**
     * Derives a peer id from a public key, as the broker does at CONNECT.
     *
     * @param spkiBase64Url the SubjectPublicKeyInfo DER bytes, base64url without padding.
     * @return base64url-without-padding of SHA-256 over the SPKI bytes, or {@code ""} if the text
     *     is not base64url.
     */
    public static @NotNull String peerIdOf(final @NotNull String spkiBase64Url) {
        final byte[] spki;
        try {
            spki = Base64.getUrlDecoder().decode(spkiBase64Url);
        } catch (final IllegalArgumentException e) {
            return "";
        }
        return PeerIds.fromSpki(spki);
    }

    private static String clip(final String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static Result invalid(final String code, final String message) {
        return new Result.Invalid(new SignalingError(code, message));
    }

    /** The outcome of {@link #validate(SignalingMessage)}. */
    public sealed interface Result {
        /**
         * The message is valid.
         *
         * @param type    its type.
         * @param message the parsed JSON object, owned by the caller.
         */
        record Valid(@NotNull MessageType type, @NotNull ObjectNode message) implements Result {
            public Valid {
                Objects.requireNonNull(type, "type");
                Objects.requireNonNull(message, "message");
            }
        }

        /**
         * The message is refused.
         *
         * @param error why.
         */
        record Invalid(@NotNull SignalingError error) implements Result {
            public Invalid {
                Objects.requireNonNull(error, "error");
            }
        }
    }
}
