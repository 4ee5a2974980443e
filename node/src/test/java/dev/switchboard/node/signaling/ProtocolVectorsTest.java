package dev.switchboard.node.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.switchboard.broker.identity.KeyProof;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.topic.Topic;
import dev.switchboard.broker.topic.Topics;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.info.NodeInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The examples of docs/protocol.md as {@code docs/vectors/protocol.json}, on the node's side: the
 * node-info document the node writes (§2), the login statement and signature the broker checks
 * (§3), what the node answers to each example message (§5, §7), and that the document still
 * shows these examples. The web client's tests read the same file (protocol-vectors.test.mjs).
 */
class ProtocolVectorsTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonNode VECTORS = read(Path.of("..", "docs", "vectors", "protocol.json"));
    private static final String DOC = readText(Path.of("..", "docs", "protocol.md"));

    private static JsonNode read(final Path p) {
        try {
            return JSON.readTree(Files.readString(p));
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String readText(final Path p) {
        try {
            return Files.readString(p);
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void nodeInfo_vector_isWhatTheNodeWritesAndWhatTheDocumentShows() throws Exception {
        final JsonNode v = VECTORS.get("nodeInfo");
        final byte[] written = NodeInfo.of(ConfigLoader.parse(v.get("config").asText(), "vector"), v.get("nodeId").asText(),
                        v.get("webSocketPort").asInt(), v.get("path").asText(), v.get("maxPacketBytes").asInt(),
                        v.get("stunPort").asInt())
                .withBrokerTcp(v.get("tcpPort").asInt(), v.get("tcpTls").asBoolean()).toJson();
        assertEquals(v.get("document"), JSON.readTree(written));

        // The first JSON block of §2 is this document.
        final String section2 = DOC.substring(DOC.indexOf("## 2. Node information"));
        final Matcher block = Pattern.compile("```json\\n(.*?)\\n```", Pattern.DOTALL).matcher(section2);
        assertTrue(block.find(), "§2 has a JSON example");
        assertEquals(v.get("document"), JSON.readTree(block.group(1)));
    }

    @Test
    void connect_vector_statementAndSignatureVerifyAsTheBrokerChecksThem() {
        final JsonNode v = VECTORS.get("connect");
        final byte[] spki = Base64.getUrlDecoder().decode(v.get("spki").asText());
        final KeyProof.ValidKey key = assertInstanceOf(KeyProof.ValidKey.class, KeyProof.parsePublicKey(spki));
        assertEquals(v.get("clientId").asText(), key.peerId());
        final byte[] challenge = HexFormat.of().parseHex(v.get("challenge").asText());
        assertEquals(v.get("nodeId").asText(), new String(challenge, 32, challenge.length - 32, StandardCharsets.UTF_8));
        final byte[] statement = KeyProof.signedBytes(v.get("clientId").asText(), challenge);
        assertArrayEquals(HexFormat.of().parseHex(v.get("statement").asText()), statement);
        assertTrue(KeyProof.verify(key.key(), statement, Base64.getUrlDecoder().decode(v.get("signature").asText())));
    }

    static Stream<Arguments> messages() {
        final List<Arguments> out = new ArrayList<>();
        VECTORS.get("messages").forEach(m -> out.add(Arguments.of(m.get("name").asText(), m)));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void message_vector_nodeAnswersAsTheDocumentSays(final String name, final JsonNode m) throws Exception {
        final Topic topic = assertInstanceOf(Topic.Valid.class, Topics.parse(m.get("topic").asText())).topic();
        final byte[] payload = JSON.writeValueAsBytes(m.get("payload"));
        final MessageValidator.Result r = new MessageValidator(32768)
                .validate(new SignalingMessage(topic, VECTORS.get("sender").asText(), payload));
        final String expected = m.get("node").asText();
        if ("valid".equals(expected)) {
            assertInstanceOf(MessageValidator.Result.Valid.class, r, () -> r.toString());
        } else {
            assertEquals(expected, assertInstanceOf(MessageValidator.Result.Invalid.class, r).error().code());
        }
    }

    @Test
    void channel_vectors_areTheExamplesOfSection10() {
        final String section10 = DOC.substring(DOC.indexOf("### 10.2 Data channels"));
        int shown = 0;
        for (final JsonNode c : VECTORS.get("channel")) {
            if (c.path("shownInDocument").asBoolean()) {
                final Pattern line = Pattern.compile("=> " + Pattern.quote(c.get("label").asText()) + " +"
                        + Pattern.quote(c.get("text").asText()) + "\n");
                assertTrue(line.matcher(section10).find(), () -> "§10.2 shows " + c.get("text").asText());
                shown++;
            }
        }
        assertEquals(6, shown);
    }
}
