package dev.switchboard.node.signaling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.broker.identity.PeerIds;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.topic.Topic;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.io.IOException;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Parses one signaling payload against protocol version 1 ({@code docs/protocol.md}) into a typed
 * {@link Message}, once, before the node uses it: well-formed UTF-8 JSON object, {@code "v": 1},
 * a known {@code type} that belongs on the topic it was published to, every required field present
 * with the right shape and size, and no sender claim that contradicts the verified sender. Unknown
 * fields are ignored (and delivered unchanged, see {@link ReceivedJson}), except a display name in
 * the clear: names travel sealed with the room key (§5.1), so a {@code name} on join or hello is
 * refused. Only the envelope is checked: the sealed {@code box} and the membership {@code mac} are
 * checked for their shape, never opened (the node has no key to open them).
 *
 * <p>Pure and thread-safe: takes a message, returns a {@link Result}; never throws on untrusted
 * input.
 */
public final class MessageValidator {

    /** Protocol version this node speaks. */
    public static final int VERSION = 1;

    private static final Pattern B64URL = Pattern.compile("[A-Za-z0-9_-]+");
    /** docs/protocol.md §5: 16 to 64 base64url characters (at least 96 bits). */
    private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9_-]{16,64}");
    private static final int MAX_MESSAGE_ID = 64;
    private static final int MAX_KEY_CHARS = 256;
    private static final int MAX_SIG_CHARS = 256;
    /**
     * docs/protocol.md §5.1: the sealed box of join and hello, base64url of nonce ‖ ciphertext ‖
     * tag; its content is the members' business, never the node's.
     */
    private static final Pattern BOX = Pattern.compile("[A-Za-z0-9_-]{40,1024}");
    /** docs/protocol.md §6.1: a membership MAC, base64url of HMAC-SHA-256 (32 bytes). */
    private static final Pattern MAC = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final int MAX_CANDIDATE_CHARS = 1024;
    private static final int MAX_MID_CHARS = 64;
    private static final int MAX_CODE_CHARS = 64;
    private static final int MAX_ERROR_TEXT = 512;
    private static final int MAX_LABEL_CHARS = 64;
    /** docs/lobby.md: the names typed on the lobby page. */
    private static final int MAX_LOBBY_NAME = 64;

    private final ObjectMapper mapper;
    private final int maxSdpBytes;

    /**
     * @param maxSdpBytes the largest {@code sdp} field accepted, in bytes of UTF-8.
     * @throws IllegalArgumentException if not positive.
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

    /**
     * Parses and checks one message.
     *
     * @param message the message as published, with its verified sender.
     * @return {@link Result.Valid} with the typed message, or {@link Result.Invalid} with an error
     *     naming the offending field and value.
     */
    public @NotNull Result validate(final @NotNull SignalingMessage message) {
        // Checked first, then decoded: no decoder and no char buffer per message.
        if (!isWellFormedUtf8(message.payload())) {
            return invalid(SignalingError.BAD_JSON, "payload is not valid UTF-8");
        }
        if (startsAsAnotherEncoding(message.payload())) {
            return invalid(SignalingError.BAD_JSON,
                    "payload must be UTF-8 JSON without a byte order mark (RFC 8259 §8.1): it starts with a BOM or a NUL byte");
        }
        final JsonNode root;
        try {
            // From the bytes (Jackson's UTF-8 parser): no String of the whole payload and no char
            // buffer per message; the UTF-8 was checked just above, so the values are the same.
            root = mapper.readTree(message.payload());
        } catch (final JsonProcessingException e) {
            return invalid(SignalingError.BAD_JSON, "payload is not valid JSON: " + e.getOriginalMessage());
        } catch (final IOException e) {
            // an in-memory array: no I/O can fail, but the signature says it could
            return invalid(SignalingError.BAD_JSON, "payload is not valid JSON: " + e.getMessage());
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
        final MessageType.Placement placement = MessageType.Placement.of(message.topic());
        if (!type.belongsOn(placement)) {
            return invalid(SignalingError.BAD_FIELD, "type '" + type.wireName() + "' does not belong on topic "
                    + message.mqttTopic());
        }
        final JsonNode from = obj.get("from");
        if (from != null && !(from.isTextual() && from.asText().equals(message.senderId()))) {
            return invalid(SignalingError.FORGED_SENDER, "field 'from' (" + clip(from.toString())
                    + ") is not the verified sender " + message.senderId());
        }
        final Fields f = new Fields(obj);
        final String messageId = f.optionalString("id", MAX_MESSAGE_ID);
        final byte[] senderKey = message.senderKey();
        final Message parsed = fields(type, address(message.topic()), f,
                senderKey == null ? null : Base64.getUrlEncoder().withoutPadding().encodeToString(senderKey));
        if (f.problem != null) {
            return invalid(SignalingError.BAD_FIELD, f.problem);
        }
        if (parsed instanceof Message.SessionDescription description) {
            final int bytes = utf8Length(description.sdp());
            if (bytes > maxSdpBytes) {
                return invalid(SignalingError.TOO_LARGE,
                        "field 'sdp' is " + bytes + " bytes, over the limit of " + maxSdpBytes);
            }
        }
        final String key = parsed instanceof Message.Join join ? join.key()
                : parsed instanceof Message.Hello hello ? hello.key()
                : parsed instanceof Message.Call call ? call.key()
                : parsed instanceof Message.Accept accept ? accept.key() : null;
        if (key != null && !peerIdOf(key).equals(message.senderId())) {
            return invalid(SignalingError.KEY_MISMATCH,
                    "field 'key' does not hash to the verified sender id " + message.senderId());
        }
        return new Result.Valid(new Message.Envelope(message.senderId(), messageId,
                new ReceivedJson(obj, mapper), Objects.requireNonNull(placement), message.viaNode()),
                Objects.requireNonNull(parsed));
    }

    /** The room id of a presence topic, the recipient of an inbox (placement is checked). */
    private static String address(final Topic topic) {
        return topic.accept(new Topic.Visitor<>() {
            @Override
            public String nodeInfo() {
                throw new IllegalStateException("no message type belongs on " + topic.mqttTopic());
            }

            @Override
            public String roomPresence(final @NotNull Topic.RoomPresence t) {
                return t.roomId();
            }

            @Override
            public String inbox(final @NotNull Topic.Inbox t) {
                return t.peerId();
            }

            @Override
            public String calleeRing(final @NotNull Topic.CalleeRing t) {
                return t.calleeId();
            }
        });
    }

    /**
     * Reads the fields of {@code type} in the order the protocol lists them; the first problem is
     * kept in {@code f}, and then the result is meaningless.
     */
    private static @Nullable Message fields(final MessageType type, final String address, final Fields f,
                                            final @Nullable String senderKey) {
        return switch (type) {
            case JOIN -> new Message.Join(address, f.announcedKey(senderKey),
                    f.matching("nonce", NONCE), f.box(), f.offerFirst());
            case LEAVE -> new Message.Leave(address);
            case HELLO -> new Message.Hello(address, f.matching("room", PeerIds::isValid, "[A-Za-z0-9_-]{43}"),
                    f.announcedKey(senderKey), f.matching("nonce", NONCE), f.box(),
                    f.matching("mac", MAC), f.offerFirst());
            case OFFER -> {
                final Context context = f.context();
                final String sig = f.base64Url("sig", MAX_SIG_CHARS);
                final String sdp = f.sdp();
                yield new Message.Offer(address, context, sdp, sig, f.mac(context), f.mode());
            }
            case ANSWER -> {
                final Context context = f.context();
                final String sig = f.base64Url("sig", MAX_SIG_CHARS);
                final String sdp = f.sdp();
                yield new Message.Answer(address, context, sdp, sig, f.mac(context), f.mode());
            }
            case CANDIDATE -> new Message.Candidate(address, f.context(), f.candidate(),
                    f.optionalString("sdpMid", MAX_MID_CHARS), f.mLineIndex());
            case HANGUP -> new Message.Hangup(address, f.context());
            case ERROR -> new Message.ErrorReport(address, f.string("code", MAX_CODE_CHARS),
                    f.optionalString("message", MAX_ERROR_TEXT));
            case CALL -> {
                final Context context = f.callContext();
                final String key = f.base64Url("key", MAX_KEY_CHARS);
                final String nonce = f.matching("nonce", NONCE);
                final Set<Capability> caps = f.caps();
                final boolean p2p = f.optionalBoolean("p2p");
                final String epk = f.optionalBase64Url("epk", MAX_KEY_CHARS);
                final String box = f.optionalMatching("box", BOX);
                if ((epk == null) != (box == null)) {
                    f.failed("fields 'epk' and 'box' (the sealed caller name, docs/protocol.md §5.1) come together"
                            + " or not at all (got only '" + (epk == null ? "box" : "epk") + "')");
                }
                yield new Message.Call(address, context, key, nonce, caps, p2p, epk, box);
            }
            case ACCEPT -> {
                final Context context = f.callContext();
                final String key = f.base64Url("key", MAX_KEY_CHARS);
                final String nonce = f.matching("nonce", NONCE);
                final Set<Capability> caps = f.caps();
                yield new Message.Accept(address, context, key, nonce, caps, f.mode());
            }
            case DECLINE -> {
                final Context context = f.callContext();
                final DeclineReason reason = f.reason();
                yield new Message.Decline(address, context, reason, f.optionalString("message", MAX_ERROR_TEXT));
            }
            case REGISTER -> new Message.Register(address, f.matching("secretHash", PeerIds::isValid,
                    "[A-Za-z0-9_-]{43} (base64url SHA-256 of the callee secret)"),
                    f.label());
            case CAPABILITIES_QUERY -> new Message.CapabilitiesQuery(address, f.optionalContext());
            case CAPABILITIES -> {
                final Context context = f.optionalContext();
                yield new Message.Capabilities(address, context, f.caps());
            }
            case LOBBY_REQUEST -> new Message.LobbyRequest(address, f.string("name", MAX_LOBBY_NAME),
                    f.optionalString("admin", MAX_LOBBY_NAME));
            case LOBBY_CANCEL -> new Message.LobbyCancel(address);
        };
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

    /**
     * Whether a payload begins with what Jackson's byte parser reads as a sign of another encoding
     * or skips: a UTF-8 byte order mark, or a NUL byte among the first four (its UTF-16 and UTF-32
     * detection, RFC 4627 §3). Such a payload is not UTF-8 JSON a receiver can parse (RFC 8259
     * §8.1: no BOM; NUL is never allowed unescaped), so it is refused as parsing text would.
     *
     * @param bytes the payload, already checked to be well-formed UTF-8
     * @return true when it must be refused
     */
    private static boolean startsAsAnotherEncoding(final byte @NotNull [] bytes) {
        if (bytes.length >= 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB && bytes[2] == (byte) 0xBF) {
            return true;
        }
        for (int i = 0; i < Math.min(4, bytes.length); i++) {
            if (bytes[i] == 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code bytes} is well-formed UTF-8 (Unicode §3.9, Table 3-7: no overlong forms, no
     * surrogates, nothing above U+10FFFF, no truncated sequence): exactly what the JDK's UTF-8
     * decoder accepts when it reports malformed input, without decoding.
     *
     * @param bytes any bytes.
     * @return true when they are well-formed UTF-8.
     */
    static boolean isWellFormedUtf8(final byte @NotNull [] bytes) {
        final int n = bytes.length;
        int i = 0;
        while (i < n) {
            final int b0 = bytes[i];
            if (b0 >= 0) {
                i++;
                continue;
            }
            final int lead = b0 & 0xff;
            if (lead >= 0xc2 && lead <= 0xdf) {
                if (i + 1 >= n || !continuation(bytes[i + 1])) {
                    return false;
                }
                i += 2;
            } else if (lead >= 0xe0 && lead <= 0xef) {
                if (i + 2 >= n) {
                    return false;
                }
                final int b1 = bytes[i + 1] & 0xff;
                // E0: A0-BF (no overlong form); ED: 80-9F (no surrogate); else 80-BF
                final int low = lead == 0xe0 ? 0xa0 : 0x80;
                final int high = lead == 0xed ? 0x9f : 0xbf;
                if (b1 < low || b1 > high || !continuation(bytes[i + 2])) {
                    return false;
                }
                i += 3;
            } else if (lead >= 0xf0 && lead <= 0xf4) {
                if (i + 3 >= n) {
                    return false;
                }
                final int b1 = bytes[i + 1] & 0xff;
                // F0: 90-BF (no overlong form); F4: 80-8F (nothing above U+10FFFF); else 80-BF
                final int low = lead == 0xf0 ? 0x90 : 0x80;
                final int high = lead == 0xf4 ? 0x8f : 0xbf;
                if (b1 < low || b1 > high || !continuation(bytes[i + 2]) || !continuation(bytes[i + 3])) {
                    return false;
                }
                i += 4;
            } else {
                return false; // 80-C1 (continuation or overlong lead) or F5-FF
            }
        }
        return true;
    }

    private static boolean continuation(final byte b) {
        return (b & 0xc0) == 0x80;
    }

    /**
     * The length of {@code s} in UTF-8 as {@code s.getBytes(UTF_8).length} gives it (an unpaired
     * surrogate becomes one byte, {@code '?'}), without encoding.
     *
     * @param s any string.
     * @return its UTF-8 length in bytes.
     */
    static int utf8Length(final @NotNull String s) {
        final int n = s.length();
        int bytes = 0;
        for (int i = 0; i < n; i++) {
            final char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes += 1;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /**
     * Whether {@code text} is {@code min} to {@code max} characters of {@code [A-Za-z0-9_-]} (what
     * {@link #B64URL} and {@link #MAC} match), without a regular expression.
     */
    static boolean isBase64Url(final @NotNull String text, final int min, final int max) {
        if (text.length() < min || text.length() > max) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!Context.isBase64UrlChar(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static String clip(final String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static Result invalid(final String code, final String message) {
        return new Result.Invalid(new SignalingError(code, message));
    }

    /**
     * Reads typed fields from one object and keeps the first problem. Once a problem is found,
     * later reads do not check anything and return placeholders that are never used.
     */
    private static final class Fields {
        private final ObjectNode o;
        private @Nullable String problem;

        Fields(final ObjectNode o) {
            this.o = o;
        }

        private boolean failed(final String p) {
            if (problem == null) {
                problem = p;
            }
            return true;
        }

        private static String got(final JsonNode n) {
            return n == null ? " (missing)" : " (got " + clip(n.toString()) + ")";
        }

        /** A required non-empty string of at most {@code maxChars}. */
        String string(final String field, final int maxChars) {
            final JsonNode n = o.get(field);
            if (problem != null) {
                return "";
            }
            if (n == null || !n.isTextual() || n.asText().isEmpty() || n.asText().length() > maxChars) {
                failed("field '" + field + "' must be a non-empty string of at most " + maxChars
                        + " characters" + got(n));
                return "";
            }
            return n.asText();
        }

        /** Like {@link #string}, but absent or {@code null} gives {@code null}. */
        @Nullable String optionalString(final String field, final int maxChars) {
            final JsonNode n = o.get(field);
            return n == null || n.isNull() ? null : string(field, maxChars);
        }

        String matching(final String field, final Pattern pattern) {
            return matching(field, s -> pattern.matcher(s).matches(), pattern.pattern());
        }

        /** A required string for which {@code rule} holds; {@code shape} describes the rule. */
        String matching(final String field, final Predicate<String> rule, final String shape) {
            final JsonNode n = o.get(field);
            if (problem != null) {
                return "";
            }
            if (n == null || !n.isTextual() || !rule.test(n.asText())) {
                failed("field '" + field + "' must match " + shape + got(n));
                return "";
            }
            return n.asText();
        }

        String base64Url(final String field, final int maxChars) {
            final JsonNode n = o.get(field);
            if (problem != null) {
                return "";
            }
            if (n == null || !n.isTextual() || n.asText().length() > maxChars
                    || !isBase64Url(n.asText(), 1, Integer.MAX_VALUE)) {
                failed("field '" + field + "' must be base64url without padding, at most " + maxChars
                        + " characters" + got(n));
                return "";
            }
            return n.asText();
        }

        /**
         * {@code box} (§5.1), required; and no {@code name} in the clear beside it (the node must
         * not see names, and must not pass them on).
         */
        String box() {
            if (problem == null && o.has("name")) {
                failed("field 'name' must not be sent: names travel sealed in 'box' (docs/protocol.md §5.1)");
            }
            return matching("box", BOX);
        }

        /**
         * {@code mac} (§6.1) of an offer or answer: required in a room's context, where the members
         * share a word; elsewhere optional, checked for its shape when present.
         */
        @Nullable String mac(final Context context) {
            if (problem != null) {
                return null;
            }
            final JsonNode n = o.get("mac");
            if (context.kind() != Context.Kind.ROOM && (n == null || n.isNull())) {
                return null;
            }
            return matching("mac", text -> isBase64Url(text, 43, 43), MAC.pattern());
        }

        /** {@code context} of call, accept and decline: a {@code call:} context. */
        Context callContext() {
            final Context context = context();
            if (problem == null && context.kind() != Context.Kind.CALL) {
                failed("field 'context' must be a call context call:<callId> (got \"" + context + "\")");
            }
            return context;
        }

        /** An optional {@code context}: absent or {@code null} gives {@code null}. */
        @Nullable Context optionalContext() {
            final JsonNode n = o.get("context");
            return n == null || n.isNull() ? null : context();
        }

        /** {@code caps}: optional array of distinct capability names; absent means none. */
        Set<Capability> caps() {
            final JsonNode n = o.get("caps");
            final Set<Capability> caps = EnumSet.noneOf(Capability.class);
            if (problem != null || n == null || n.isNull()) {
                return caps;
            }
            if (!n.isArray() || n.size() > Capability.values().length) {
                failed("field 'caps' must be an array of at most " + Capability.values().length
                        + " of VOICE, VIDEO, FILE" + got(n));
                return caps;
            }
            for (final JsonNode c : n) {
                final Capability cap = c.isTextual() ? Capability.fromWire(c.asText()) : null;
                if (cap == null || !caps.add(cap)) {
                    failed("field 'caps' must list distinct values of VOICE, VIDEO, FILE (got "
                            + clip(c.toString()) + ")");
                    return caps;
                }
            }
            return caps;
        }

        /** An optional boolean; absent or {@code null} gives {@code false}. */
        boolean optionalBoolean(final String field) {
            final JsonNode n = o.get(field);
            if (problem != null || n == null || n.isNull()) {
                return false;
            }
            if (!n.isBoolean()) {
                failed("field '" + field + "' must be true or false" + got(n));
                return false;
            }
            return n.booleanValue();
        }

        /**
         * {@code key} of a {@code join} or {@code hello} (§5): the sender's SPKI, base64url. A client
         * of this node may leave it out, since it proved its key at CONNECT: then it is the key the
         * broker saw ({@code senderKey}), which the node adds to the message it delivers.
         *
         * @param senderKey the sender's key from CONNECT, base64url, or null when unknown (a
         *                  federation link): then the field is required.
         */
        String announcedKey(final @Nullable String senderKey) {
            return senderKey != null && o.get("key") == null ? senderKey : base64Url("key", MAX_KEY_CHARS);
        }

        @Nullable String optionalBase64Url(final String field, final int maxChars) {
            final JsonNode n = o.get(field);
            return n == null || n.isNull() ? null : base64Url(field, maxChars);
        }

        @Nullable String optionalMatching(final String field, final Pattern pattern) {
            final JsonNode n = o.get(field);
            return n == null || n.isNull() ? null : matching(field, pattern);
        }

        /**
         * {@code label} of register, optional: absent, {@code null} and {@code ""} all mean "no
         * label" (returned as {@code ""}); otherwise a string of at most 64 characters
         * ({@code docs/protocol.md} §5.3).
         */
        String label() {
            final JsonNode n = o.get("label");
            if (problem != null || n == null || n.isNull() || n.isTextual() && n.asText().isEmpty()) {
                return "";
            }
            return string("label", MAX_LABEL_CHARS);
        }

        /** {@code mode} of accept, offer and answer: {@code relay} (the default when absent) or {@code p2p}. */
        CallMode mode() {
            final JsonNode n = o.get("mode");
            if (problem != null || n == null || n.isNull()) {
                return CallMode.RELAY;
            }
            final CallMode mode = n.isTextual() ? CallMode.fromWire(n.asText()) : null;
            if (mode == null) {
                failed("field 'mode' must be \"relay\" or \"p2p\"" + got(n));
                return CallMode.RELAY;
            }
            return mode;
        }

        /** {@code reason} of decline, required. */
        DeclineReason reason() {
            final JsonNode n = o.get("reason");
            if (problem != null) {
                return DeclineReason.UNAVAILABLE;
            }
            final DeclineReason reason = n != null && n.isTextual() ? DeclineReason.fromWire(n.asText()) : null;
            if (reason == null) {
                failed("field 'reason' must be \"busy\", \"rejected\" or \"unavailable\"" + got(n));
                return DeclineReason.UNAVAILABLE;
            }
            return reason;
        }

        /** {@code context}: the grammar of {@link Context}. */
        Context context() {
            final String text = matching("context", Context::isValid, Context.PATTERN.pattern());
            return problem != null ? Context.room("x") : Objects.requireNonNull(Context.parse(text));
        }

        String sdp() {
            final JsonNode n = o.get("sdp");
            if (problem == null && (n == null || !n.isTextual() || n.asText().isEmpty())) {
                failed("field 'sdp' must be a non-empty string");
            }
            return problem != null ? "" : n.asText();
        }

        /** {@code candidate}: any string of at most 1024 characters, {@code ""} included. */
        String candidate() {
            final JsonNode c = o.get("candidate");
            if (problem == null && (c == null || !c.isTextual() || c.asText().length() > MAX_CANDIDATE_CHARS)) {
                failed("field 'candidate' must be a string of at most " + MAX_CANDIDATE_CHARS + " characters");
            }
            return problem != null ? "" : c.asText();
        }

        /**
         * {@code o} of a join or hello (§5, "Rooms, step by step", step 3): absent (or null) is
         * false, the whole number 1 is true, anything else is a problem naming the value.
         */
        boolean offerFirst() {
            final JsonNode flag = o.get("o");
            if (problem != null || flag == null || flag.isNull()) {
                return false;
            }
            if (!(flag.isIntegralNumber() && flag.canConvertToInt() && flag.intValue() == 1)) {
                failed("field 'o' must be 1 when present (got " + clip(flag.toString()) + ")");
                return false;
            }
            return true;
        }

        @Nullable Integer mLineIndex() {
            final JsonNode idx = o.get("sdpMLineIndex");
            if (problem != null || idx == null || idx.isNull()) {
                return null;
            }
            if (!(idx.isIntegralNumber() && idx.intValue() >= 0 && idx.intValue() < 64)) {
                failed("field 'sdpMLineIndex' must be a whole number from 0 to 63 (got " + clip(idx.toString()) + ")");
                return null;
            }
            return idx.intValue();
        }
    }

    /** The outcome of {@link #validate(SignalingMessage)}. */
    public sealed interface Result {
        /**
         * The message is valid.
         *
         * @param envelope its sender and the JSON as received.
         * @param message  the typed message.
         */
        record Valid(@NotNull Message.Envelope envelope, @NotNull Message message) implements Result {
            public Valid {
                Objects.requireNonNull(envelope, "envelope");
                Objects.requireNonNull(message, "message");
            }

            /**
             * Hands the message to the visitor's method for its type.
             *
             * @param visitor the dispatch.
             * @param <R>     what it returns.
             * @return what the visitor returned.
             */
            public <R> R dispatch(final @NotNull Message.Visitor<R> visitor) {
                return message.accept(visitor, envelope);
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
