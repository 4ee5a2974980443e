package dev.switchboard.node.signaling;

import dev.switchboard.broker.spi.Presence;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.broker.topic.Topic;
import dev.switchboard.node.sdp.SdpParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The call vocabulary of {@code docs/protocol.md} §5.2: each message parsed into its record, every
 * malformed field refused naming it, and the node's rules ({@link CallHandler}) through
 * {@link SignalingService}. The example exchanges of the document are checked here verbatim.
 */
class CallVocabularyTest {

    private static final String KEY = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[91]);
    private static final String CALLER = MessageValidator.peerIdOf(KEY);
    private static final String CALLEE = "B".repeat(43);
    private static final String NONCE = "q3Vw1bM7cXrT9kLp2sYd0g";
    private static final String BOX = "c2VhbGVkIG5hbWUsIG9wYXF1ZSB0byB0aGUgbm9kZSwgNDArIGNoYXJz";
    private static final Context CALL = new Context(Context.Kind.CALL, "c7Hq2LxV0pWm9sRt");

    private final MessageValidator validator = new MessageValidator(1024);
    private final Set<String> connected = new HashSet<>();
    private final SignalingService service = new SignalingService(validator, SdpParser.withDefaults(), new FakeRelay());

    {
        service.attach(new Presence() {
            @Override
            public boolean isConnected(final String peerId) {
                return connected.contains(peerId);
            }

            @Override
            public boolean isInRoom(final String peerId, final String roomId) {
                return false;
            }

            @Override
            public InetAddress addressOf(final String peerId) {
                return InetAddress.getLoopbackAddress();
            }
        });
    }

    private static SignalingMessage inbox(final String from, final String to, final String json) {
        return new SignalingMessage(new Topic.Inbox(to), from, json.replace("KEY", KEY).replace("BOX", BOX)
                .getBytes(StandardCharsets.UTF_8));
    }

    private Message valid(final SignalingMessage m) {
        final var r = validator.validate(m);
        if (r instanceof MessageValidator.Result.Invalid invalid) {
            throw new AssertionError(invalid.error().toString());
        }
        return ((MessageValidator.Result.Valid) r).message();
    }

    private Verdict inspect(final SignalingMessage m) throws Exception {
        return service.inspect(m).get(5, TimeUnit.SECONDS);
    }

    @Test
    void validate_callWithEverything_typed() {
        final Message m = valid(inbox(CALLER, CALLEE, "{\"v\":1,\"type\":\"call\",\"context\":\"call:c7Hq2LxV0pWm9sRt\","
                + "\"key\":\"KEY\",\"nonce\":\"" + NONCE + "\",\"caps\":[\"VOICE\",\"FILE\"],\"p2p\":true,"
                + "\"epk\":\"KEY\",\"box\":\"BOX\",\"future\":1}"));
        assertEquals(new Message.Call(CALLEE, CALL, KEY, NONCE, EnumSet.of(Capability.VOICE, Capability.FILE),
                true, KEY, BOX), m);
    }

    @Test
    void validate_minimalCall_noCapsRelayedNoName() {
        final Message m = valid(inbox(CALLER, CALLEE, "{\"v\":1,\"type\":\"call\",\"context\":\"call:c7Hq2LxV0pWm9sRt\","
                + "\"key\":\"KEY\",\"nonce\":\"" + NONCE + "\"}"));
        assertEquals(new Message.Call(CALLEE, CALL, KEY, NONCE, Set.of(), false, null, null), m);
    }

    @Test
    void validate_acceptDeclineQueryCapabilities_typed() {
        // the key must hash to the sender: here the key's owner accepts a call from CALLEE
        assertEquals(new Message.Accept(CALLEE, CALL, KEY, NONCE, Set.of(Capability.VIDEO), CallMode.P2P),
                valid(inbox(CALLER, CALLEE, "{\"v\":1,\"type\":\"accept\",\"context\":\"call:c7Hq2LxV0pWm9sRt\","
                        + "\"key\":\"KEY\",\"nonce\":\"" + NONCE + "\",\"caps\":[\"VIDEO\"],\"mode\":\"p2p\"}")));
        assertEquals(new Message.Decline(CALLER, CALL, DeclineReason.BUSY, "in another call"),
                valid(inbox(CALLEE, CALLER, "{\"v\":1,\"type\":\"decline\",\"context\":\"call:c7Hq2LxV0pWm9sRt\","
                        + "\"reason\":\"busy\",\"message\":\"in another call\"}")));
        assertEquals(new Message.CapabilitiesQuery(CALLEE, null),
                valid(inbox(CALLER, CALLEE, "{\"v\":1,\"type\":\"capabilities-query\",\"id\":\"q1\"}")));
        assertEquals(new Message.Capabilities(CALLER, CALL, Set.of()),
                valid(inbox(CALLEE, CALLER, "{\"v\":1,\"type\":\"capabilities\",\"context\":\"call:c7Hq2LxV0pWm9sRt\",\"caps\":[]}")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`{\"v\":1,\"type\":\"call\",\"context\":\"room:RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR\",\"key\":\"KEY\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\"}`|bad-field|call context",
        "`{\"v\":1,\"type\":\"call\",\"context\":\"call:x\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\"}`|bad-field|'key'",
        "`{\"v\":1,\"type\":\"call\",\"context\":\"call:x\",\"key\":\"KEY\",\"nonce\":\"short\"}`|bad-field|'nonce'",
        "`{\"v\":1,\"type\":\"call\",\"context\":\"call:x\",\"key\":\"KEY\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\",\"caps\":[\"SMELL\"]}`|bad-field|SMELL",
        "`{\"v\":1,\"type\":\"call\",\"context\":\"call:x\",\"key\":\"KEY\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\",\"caps\":[\"VOICE\",\"VOICE\"]}`|bad-field|distinct",
        "`{\"v\":1,\"type\":\"call\",\"context\":\"call:x\",\"key\":\"KEY\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\",\"caps\":\"VOICE\"}`|bad-field|'caps'",
        "`{\"v\":1,\"type\":\"call\",\"context\":\"call:x\",\"key\":\"KEY\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\",\"p2p\":\"yes\"}`|bad-field|'p2p'",
        "`{\"v\":1,\"type\":\"call\",\"context\":\"call:x\",\"key\":\"KEY\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\",\"box\":\"BOX\"}`|bad-field|'epk' and 'box'",
        "`{\"v\":1,\"type\":\"call\",\"context\":\"call:x\",\"key\":\"KEY\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\",\"epk\":\"KEY\",\"box\":\"tiny\"}`|bad-field|'box'",
        "`{\"v\":1,\"type\":\"call\",\"context\":\"call:x\",\"key\":\"AAAA\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\"}`|key-mismatch|'key'",
        "`{\"v\":1,\"type\":\"accept\",\"context\":\"call:x\",\"key\":\"KEY\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\",\"mode\":\"direct\"}`|bad-field|'mode'",
        "`{\"v\":1,\"type\":\"decline\",\"context\":\"call:x\"}`|bad-field|'reason'",
        "`{\"v\":1,\"type\":\"decline\",\"context\":\"call:x\",\"reason\":\"bored\"}`|bad-field|\"busy\", \"rejected\" or \"unavailable\"",
        "`{\"v\":1,\"type\":\"capabilities\",\"context\":\"nowhere\"}`|bad-field|'context'",
        "`{\"v\":1,\"type\":\"capabilities-query\",\"context\":42}`|bad-field|'context'",
        "`{\"v\":1,\"type\":\"capabilities_query\"}`|unknown-type|capabilities_query",
    })
    void validate_badCallMessage_clearErrorNamingTheField(final String json, final String code, final String fragment) {
        final var r = validator.validate(inbox(CALLER, CALLEE, json));
        final var err = assertInstanceOf(MessageValidator.Result.Invalid.class, r).error();
        assertEquals(code, err.code(), err.message());
        assertTrue(err.message().contains(fragment), err.message());
    }

    @Test
    void call_recipientOffline_refusedAtOnceAsUnavailable() throws Exception {
        final Verdict v = inspect(inbox(CALLER, CALLEE, "{\"v\":1,\"type\":\"call\",\"context\":\"call:x\","
                + "\"key\":\"KEY\",\"nonce\":\"" + NONCE + "\"}"));
        final var reject = assertInstanceOf(Verdict.Reject.class, v);
        assertEquals(SignalingError.RECIPIENT_UNAVAILABLE, reject.code());
        assertTrue(reject.message().contains(CALLEE), reject.message());
    }

    @Test
    void call_recipientOnline_forwardedUnchanged() throws Exception {
        connected.add(CALLEE);
        assertSame(Verdict.forward(), inspect(inbox(CALLER, CALLEE, "{\"v\":1,\"type\":\"call\",\"context\":\"call:x\","
                + "\"key\":\"KEY\",\"nonce\":\"" + NONCE + "\",\"caps\":[\"VOICE\"]}")));
    }

    @Test
    void callMessages_toOwnInbox_refused() throws Exception {
        for (final String json : new String[] {
            "{\"v\":1,\"type\":\"decline\",\"context\":\"call:x\",\"reason\":\"busy\"}",
            "{\"v\":1,\"type\":\"capabilities-query\"}",
            "{\"v\":1,\"type\":\"capabilities\",\"caps\":[\"VOICE\"]}",
        }) {
            final var reject = assertInstanceOf(Verdict.Reject.class, inspect(inbox(CALLER, CALLER, json)), json);
            assertEquals(SignalingError.BAD_FIELD, reject.code());
        }
    }

    @Test
    void acceptDeclineCapabilities_forwarded() throws Exception {
        for (final String json : new String[] {
            "{\"v\":1,\"type\":\"accept\",\"context\":\"call:x\",\"key\":\"KEY\",\"nonce\":\"" + NONCE + "\"}",
            "{\"v\":1,\"type\":\"decline\",\"context\":\"call:x\",\"reason\":\"rejected\"}",
            "{\"v\":1,\"type\":\"capabilities-query\"}",
            "{\"v\":1,\"type\":\"capabilities\",\"caps\":[\"VOICE\",\"VIDEO\",\"FILE\"]}",
        }) {
            assertSame(Verdict.forward(), inspect(inbox(CALLER, CALLEE, json)), json);
        }
    }
}
