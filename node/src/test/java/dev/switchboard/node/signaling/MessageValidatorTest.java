package dev.switchboard.node.signaling;

import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.topic.Topic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageValidatorTest {

    private static final byte[] SPKI = new byte[91];
    private static final String KEY = Base64.getUrlEncoder().withoutPadding().encodeToString(SPKI);
    private static final String SENDER = MessageValidator.peerIdOf(KEY);
    private static final String OTHER = "B".repeat(43);
    private static final String ROOM = "R".repeat(43);
    private static final String BOX = "c2VhbGVkIG5hbWUsIG9wYXF1ZSB0byB0aGUgbm9kZSwgNDArIGNoYXJz";
    private static final String MAC = "M".repeat(43);

    private final MessageValidator validator = new MessageValidator(1024);

    private static SignalingMessage inbox(final String json) {
        return new SignalingMessage(new Topic.Inbox(OTHER), SENDER, json.getBytes(StandardCharsets.UTF_8));
    }

    private static SignalingMessage presence(final String json) {
        return new SignalingMessage(new Topic.RoomPresence(ROOM), SENDER, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void validate_join_valid() {
        final var r = validator.validate(presence("{\"v\":1,\"type\":\"join\",\"key\":\"" + KEY
                + "\",\"nonce\":\"abcdefghijklmnopqrstuv\",\"box\":\"" + BOX + "\",\"future\":[1,2]}"));
        final var ok = assertInstanceOf(MessageValidator.Result.Valid.class, r);
        assertEquals(new Message.Join(ROOM, KEY, "abcdefghijklmnopqrstuv", BOX, false), ok.message());
        assertEquals(SENDER, ok.envelope().senderId());
    }

    @Test
    void validate_register_emptyOrNullLabel_validWithoutLabel_otherShapesRefused() {
        final String hash = "H".repeat(43);
        final String callee = "C".repeat(43);
        for (final String label : List.of(",\"label\":\"\"", ",\"label\":null", "")) {
            final var r = validator.validate(new SignalingMessage(new Topic.CalleeRing(callee), SENDER,
                    ("{\"v\":1,\"type\":\"register\",\"secretHash\":\"" + hash + "\"" + label + "}")
                            .getBytes(StandardCharsets.UTF_8)));
            assertEquals(new Message.Register(callee, hash, ""),
                    assertInstanceOf(MessageValidator.Result.Valid.class, r).message(), "label " + label);
        }
        for (final String label : List.of("7", "\"" + "x".repeat(65) + "\"", "[\"a\"]")) {
            final var r = validator.validate(new SignalingMessage(new Topic.CalleeRing(callee), SENDER,
                    ("{\"v\":1,\"type\":\"register\",\"secretHash\":\"" + hash + "\",\"label\":" + label + "}")
                            .getBytes(StandardCharsets.UTF_8)));
            final var bad = assertInstanceOf(MessageValidator.Result.Invalid.class, r, label);
            assertEquals(SignalingError.BAD_FIELD, bad.error().code());
            assertTrue(bad.error().message().contains("'label'"), bad.error().message());
        }
    }

    @Test
    void validate_offer_valid() {
        final var r = validator.validate(inbox("{\"v\":1,\"type\":\"offer\",\"context\":\"room:" + ROOM
                + "\",\"sdp\":\"v=0\\r\\n\",\"sig\":\"AAAA\",\"mac\":\"" + MAC + "\"}"));
        assertEquals(new Message.Offer(OTHER, Context.room(ROOM), "v=0\r\n", "AAAA", MAC),
                assertInstanceOf(MessageValidator.Result.Valid.class, r).message());
    }

    @Test
    void validate_hello_valid_boxAndMacKeptUnopened() {
        final var r = validator.validate(inbox("{\"v\":1,\"type\":\"hello\",\"room\":\"" + ROOM + "\",\"key\":\"" + KEY
                + "\",\"nonce\":\"abcdefghijklmnopqrstuv\",\"box\":\"" + BOX + "\",\"mac\":\"" + MAC + "\"}"));
        assertEquals(new Message.Hello(OTHER, ROOM, KEY, "abcdefghijklmnopqrstuv", BOX, MAC, false),
                assertInstanceOf(MessageValidator.Result.Valid.class, r).message());
    }

    /** docs/protocol.md §5 step 3: {@code "o":1} on a join or hello is read; null is absent; any other value is refused naming it. */
    @Test
    void validate_joinAndHelloOfferFirst_oneIsRead_otherValuesRefusedNamingThem() {
        final String join = "{\"v\":1,\"type\":\"join\",\"key\":\"" + KEY + "\",\"nonce\":\"abcdefghijklmnopqrstuv\",\"box\":\"" + BOX + "\"";
        final String hello = "{\"v\":1,\"type\":\"hello\",\"room\":\"" + ROOM + "\",\"key\":\"" + KEY
                + "\",\"nonce\":\"abcdefghijklmnopqrstuv\",\"box\":\"" + BOX + "\",\"mac\":\"" + MAC + "\"";
        assertEquals(new Message.Join(ROOM, KEY, "abcdefghijklmnopqrstuv", BOX, true),
                assertInstanceOf(MessageValidator.Result.Valid.class, validator.validate(presence(join + ",\"o\":1}"))).message());
        assertEquals(new Message.Hello(OTHER, ROOM, KEY, "abcdefghijklmnopqrstuv", BOX, MAC, true),
                assertInstanceOf(MessageValidator.Result.Valid.class, validator.validate(inbox(hello + ",\"o\":1}"))).message());
        assertEquals(new Message.Join(ROOM, KEY, "abcdefghijklmnopqrstuv", BOX, false),
                assertInstanceOf(MessageValidator.Result.Valid.class, validator.validate(presence(join + ",\"o\":null}"))).message());
        for (final String value : List.of("0", "2", "true", "\"1\"", "1.0", "4294967297", "[1]", "{}")) {
            for (final SignalingMessage m : List.of(presence(join + ",\"o\":" + value + "}"), inbox(hello + ",\"o\":" + value + "}"))) {
                final var bad = assertInstanceOf(MessageValidator.Result.Invalid.class, validator.validate(m), value);
                assertEquals(SignalingError.BAD_FIELD, bad.error().code());
                assertTrue(bad.error().message().contains("'o'") && bad.error().message().contains(value), bad.error().message());
            }
        }
    }

    @Test
    void validate_callOfferWithoutMac_valid() {
        final var r = validator.validate(inbox("{\"v\":1,\"type\":\"answer\",\"context\":\"call:abc\""
                + ",\"sdp\":\"v=0\\r\\n\",\"sig\":\"AAAA\"}"));
        assertEquals(new Message.Answer(OTHER, new Context(Context.Kind.CALL, "abc"), "v=0\r\n", "AAAA", null),
                assertInstanceOf(MessageValidator.Result.Valid.class, r).message());
    }

    /** docs/protocol.md §5.1 and §6.1: the node checks the envelope's new fields, never what they hide. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`{\"v\":1,\"type\":\"join\",\"key\":\"KEY\",\"nonce\":\"abcdefghijklmnop\"}`|'box'",
        "`{\"v\":1,\"type\":\"join\",\"key\":\"KEY\",\"nonce\":\"abcdefghijklmnop\",\"box\":\"BOX\",\"name\":\"Ann\"}`|'name' must not be sent",
        "`{\"v\":1,\"type\":\"join\",\"key\":\"KEY\",\"nonce\":\"abcdefghijklmnop\",\"box\":\"short\"}`|'box'",
        "`{\"v\":1,\"type\":\"join\",\"key\":\"KEY\",\"nonce\":\"abcdefghijklmnop\",\"box\":\"BOX=\"}`|'box'",
        "`{\"v\":1,\"type\":\"join\",\"key\":\"KEY\",\"nonce\":\"abcdefghijklmnop\",\"box\":42}`|'box'",
    })
    void validate_badJoinEnvelope_badFieldNamingIt(final String json, final String fragment) {
        final var r = validator.validate(presence(json.replace("KEY", KEY).replace("BOX", BOX)));
        final var err = assertInstanceOf(MessageValidator.Result.Invalid.class, r).error();
        assertEquals(SignalingError.BAD_FIELD, err.code(), err.message());
        assertTrue(err.message().contains(fragment), err.message());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`{\"v\":1,\"type\":\"hello\",\"room\":\"ROOM\",\"key\":\"KEY\",\"nonce\":\"abcdefghijklmnop\",\"box\":\"BOX\"}`|'mac'",
        "`{\"v\":1,\"type\":\"hello\",\"room\":\"ROOM\",\"key\":\"KEY\",\"nonce\":\"abcdefghijklmnop\",\"box\":\"BOX\",\"mac\":\"AAAA\"}`|'mac'",
        "`{\"v\":1,\"type\":\"hello\",\"room\":\"ROOM\",\"key\":\"KEY\",\"nonce\":\"abcdefghijklmnop\",\"box\":\"BOX\",\"mac\":\"MAC\",\"name\":\"Ann\"}`|'name' must not be sent",
        "`{\"v\":1,\"type\":\"offer\",\"context\":\"room:ROOM\",\"sdp\":\"v=0\",\"sig\":\"AAAA\"}`|'mac'",
        "`{\"v\":1,\"type\":\"answer\",\"context\":\"room:ROOM\",\"sdp\":\"v=0\",\"sig\":\"AAAA\",\"mac\":\"MAC=\"}`|'mac'",
        "`{\"v\":1,\"type\":\"offer\",\"context\":\"call:abc\",\"sdp\":\"v=0\",\"sig\":\"AAAA\",\"mac\":\"short\"}`|'mac'",
    })
    void validate_badHelloOrDescriptionEnvelope_badFieldNamingIt(final String json, final String fragment) {
        final var r = validator.validate(inbox(json.replace("ROOM", ROOM).replace("KEY", KEY).replace("BOX", BOX)
                .replace("MAC", MAC)));
        final var err = assertInstanceOf(MessageValidator.Result.Invalid.class, r).error();
        assertEquals(SignalingError.BAD_FIELD, err.code(), err.message());
        assertTrue(err.message().contains(fragment), err.message());
    }

    @Test
    void validate_joinWithSomeoneElsesKey_keyMismatch() {
        final String otherKey = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {1, 2, 3});
        final var r = validator.validate(presence("{\"v\":1,\"type\":\"join\",\"key\":\"" + otherKey
                + "\",\"nonce\":\"abcdefghijklmnopqrstuv\",\"box\":\"" + BOX + "\"}"));
        assertEquals(SignalingError.KEY_MISMATCH, assertInstanceOf(MessageValidator.Result.Invalid.class, r).error().code());
    }

    @Test
    void validate_oversizedSdp_tooLarge() {
        final var r = validator.validate(inbox("{\"v\":1,\"type\":\"answer\",\"context\":\"room:" + ROOM
                + "\",\"sig\":\"AA\",\"mac\":\"" + MAC + "\",\"sdp\":\"" + "a".repeat(2000) + "\"}"));
        final var err = assertInstanceOf(MessageValidator.Result.Invalid.class, r).error();
        assertEquals(SignalingError.TOO_LARGE, err.code());
        assertTrue(err.message().contains("2000 bytes"), err.message());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`{not json`|bad-json|not valid JSON",
        "`[1,2]`|bad-json|must be a JSON object",
        "`{\"type\":\"offer\"}`|bad-version|'v' must be 1",
        "`{\"v\":2,\"type\":\"offer\"}`|bad-version|'v' must be 1",
        "`{\"v\":1}`|bad-field|'type' must be a string",
        "`{\"v\":1,\"type\":\"teleport\"}`|unknown-type|teleport",
        "`{\"v\":1,\"type\":\"join\"}`|bad-field|does not belong on topic",
        "`{\"v\":1,\"type\":\"offer\",\"context\":\"room:x\",\"sig\":\"AA\"}`|bad-field|'sdp'",
        "`{\"v\":1,\"type\":\"offer\",\"context\":\"lobby\",\"sig\":\"AA\",\"sdp\":\"v=0\"}`|bad-field|'context'",
        "`{\"v\":1,\"type\":\"offer\",\"context\":\"room:x\",\"sig\":\"not base64!\",\"sdp\":\"v=0\"}`|bad-field|'sig'",
        "`{\"v\":1,\"type\":\"candidate\",\"context\":\"room:x\",\"candidate\":5}`|bad-field|'candidate'",
        "`{\"v\":1,\"type\":\"candidate\",\"context\":\"room:x\",\"candidate\":\"\",\"sdpMLineIndex\":-1}`|bad-field|sdpMLineIndex",
        "`{\"v\":1,\"type\":\"hangup\",\"context\":\"room:x\",\"from\":\"someone-else\"}`|forged-sender|not the verified sender",
        "`{\"v\":1,\"type\":\"error\"}`|bad-field|'code'",
        "`{\"v\":1,\"type\":\"hello\",\"room\":\"short\",\"key\":\"AA\",\"nonce\":\"AA\"}`|bad-field|'room'",
        "`{\"v\":1,\"type\":\"hello\",\"room\":\"RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR\",\"key\":\"AA\",\"nonce\":\"tooShort\"}`|bad-field|'nonce'",
        "`{\"v\":1,\"type\":\"hello\",\"room\":\"RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR\",\"key\":\"AA\",\"nonce\":\"abcdefghijklmnop\\nsha-256 AA\"}`|bad-field|'nonce'",
    })
    void validate_badInbox_clearError(final String json, final String code, final String fragment) {
        final var r = validator.validate(inbox(json));
        final var err = assertInstanceOf(MessageValidator.Result.Invalid.class, r).error();
        assertEquals(code, err.code(), err.message());
        assertTrue(err.message().contains(fragment), err.message());
    }

    @Test
    void validate_invalidUtf8_badJson() {
        final var m = new SignalingMessage(new Topic.Inbox(OTHER), SENDER,
                new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
        assertEquals(SignalingError.BAD_JSON,
                assertInstanceOf(MessageValidator.Result.Invalid.class, validator.validate(m)).error().code());
    }

    @Test
    void validate_utf16OrByteOrderMark_badJsonLikeAnyNonUtf8Text() {
        final String hangup = "{\"v\":1,\"type\":\"hangup\",\"context\":\"room:" + ROOM + "\",\"from\":\"" + SENDER + "\"}";
        // UTF-16LE: every other byte NUL, well-formed UTF-8 byte by byte, and a JSON parser fed
        // bytes would guess UTF-16 and accept it; receivers parse UTF-8 and could not
        final byte[] utf16 = hangup.getBytes(StandardCharsets.UTF_16LE);
        final byte[] bom = ("\uFEFF" + hangup).getBytes(StandardCharsets.UTF_8);
        for (final byte[] payload : new byte[][] {utf16, bom}) {
            final var invalid = assertInstanceOf(MessageValidator.Result.Invalid.class,
                    validator.validate(new SignalingMessage(new Topic.Inbox(OTHER), SENDER, payload)));
            assertEquals(SignalingError.BAD_JSON, invalid.error().code());
            assertTrue(invalid.error().message().contains("byte order mark"), invalid.error().message());
        }
        assertInstanceOf(MessageValidator.Result.Valid.class, validator.validate(inbox(hangup)));
    }

    @Test
    void validate_deeplyNested_badJsonNotCrash() {
        final String deep = "{\"v\":1,\"type\":\"error\",\"code\":\"x\",\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        assertEquals(SignalingError.BAD_JSON,
                assertInstanceOf(MessageValidator.Result.Invalid.class, validator.validate(inbox(deep))).error().code());
    }

    @Test
    void validate_fromMatchingSender_accepted() {
        assertInstanceOf(MessageValidator.Result.Valid.class, validator.validate(inbox(
                "{\"v\":1,\"type\":\"hangup\",\"context\":\"room:" + ROOM + "\",\"from\":\"" + SENDER + "\"}")));
    }
}
