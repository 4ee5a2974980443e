package dev.switchboard.node.signaling;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.topic.Topic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * {@link ReceivedJson#withString} writes the object field by field: the bytes must be exactly those
 * of the way it was done before (a copy of the tree with the field put into it, serialized by the
 * mapper), for every kind of value a parsed tree holds, the field first, last, in the middle or
 * absent (appended), and strings that need escaping.
 */
class ReceivedJsonTest {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private static byte[] reference(final ObjectNode tree, final String field, final String value) throws Exception {
        final ObjectNode copy = tree.deepCopy();
        copy.put(field, value);
        return MAPPER.writeValueAsBytes(copy);
    }

    private static void assertSameAsTreeCopy(final String json, final String field, final String value) throws Exception {
        final ObjectNode tree = (ObjectNode) MAPPER.readTree(json.getBytes(StandardCharsets.UTF_8));
        final byte[] expected = reference(tree, field, value);
        assertArrayEquals(expected, new ReceivedJson(tree, MAPPER).withString(field, value),
                () -> json + " with " + field + "=" + value + ": expected "
                        + new String(expected, StandardCharsets.UTF_8));
        // the received object itself is unchanged
        assertEquals(MAPPER.readTree(json.getBytes(StandardCharsets.UTF_8)), tree);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{}",
        "{\"sdp\":\"v=0\\r\\n\"}",
        "{\"v\":1,\"type\":\"offer\",\"sdp\":\"old\",\"sig\":\"abc\"}",
        "{\"sdp\":null,\"v\":1}",
        "{\"v\":1,\"n\":-0.0,\"big\":123456789012345678901234567890,\"d\":1.5e300,\"f\":0.1,\"t\":true,\"x\":false,\"z\":null}",
        "{\"nested\":{\"a\":[1,[2,{\"b\":\"c\"}],{}],\"e\":[]},\"sdp\":{\"not\":\"a string\"},\"tail\":\"\\u00e9\\ud83d\\ude00\"}",
        "{\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u2028\",\"key\":\"k\"}",
        "{ \"spaced\" : [ 1 , 2 ] , \"sdp\" : \"s\" }",
    })
    void withString_anyTree_sameBytesAsSerializingAModifiedCopy(final String json) throws Exception {
        for (final String field : new String[] {"sdp", "key", "v", "absent"}) {
            for (final String value : new String[] {"", "v=0\r\nc=IN IP4 0.0.0.0\r\n", "\"quoted\" \\ \u00e9 \ud83d\ude00 \u0000 \u2028"}) {
                assertSameAsTreeCopy(json, field, value);
            }
        }
    }

    @Test
    void withString_randomStrings_sameBytesAsSerializingAModifiedCopy() throws Exception {
        final Random random = new Random(13);
        for (int i = 0; i < 2_000; i++) {
            final StringBuilder value = new StringBuilder();
            final int length = random.nextInt(40);
            for (int j = 0; j < length; j++) {
                value.append((char) (random.nextBoolean() ? random.nextInt(0x80) : random.nextInt(0x10000)));
            }
            assertSameAsTreeCopy("{\"v\":1,\"sdp\":\"x\",\"more\":[1,\"two\"]}", "sdp", value.toString());
        }
    }

    /**
     * The validator parses the payload's bytes (no String of the whole payload first): text values
     * with characters of every UTF-8 length come out as the String-based parse gave them.
     */
    @Test
    void validate_nonAsciiPayload_fieldsAsDecodedText() throws Exception {
        final String sender = MessageValidator.peerIdOf("A".repeat(122));
        final String text = "{\"v\":1,\"type\":\"error\",\"code\":\"x\u00e9\u4e2d\ud83d\ude00\","
                + "\"message\":\"\\u00e9 \u00e9 \\ud83d\\ude00 \ud83d\ude00\"}";
        final byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        final var valid = assertInstanceOf(MessageValidator.Result.Valid.class, new MessageValidator(1024)
                .validate(new SignalingMessage(new Topic.Inbox("B".repeat(43)), sender, payload)));
        final ObjectNode expected = (ObjectNode) MAPPER.readTree(text);
        assertEquals(new Message.ErrorReport("B".repeat(43), expected.get("code").asText(),
                expected.get("message").asText()), valid.message());
        assertArrayEquals(reference(expected, "code", "c"), valid.envelope().json().withString("code", "c"));
    }
}
