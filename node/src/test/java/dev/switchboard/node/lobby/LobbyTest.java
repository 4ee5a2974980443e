package dev.switchboard.node.lobby;

import dev.switchboard.broker.spi.Presence;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.broker.topic.Topic;
import dev.switchboard.node.access.AccessControl;
import dev.switchboard.node.access.AccessEvent;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.signaling.Message;
import dev.switchboard.node.signaling.MessageValidator;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LobbyTest {

    private static final String NODE = "N".repeat(43);
    private static final String BOB = "B".repeat(43);
    private static final String EVE = "E".repeat(43);
    private static final String ZED = "Z".repeat(43);
    private static final NodeConfig.Admin ANN = new NodeConfig.Admin("Ann", "Vq3-Xk9_pL2mZ7tR4wY8bN", List.of("bob"), true);
    private static final NodeConfig.Admin DAN = new NodeConfig.Admin("Dan", "Hd6-sJ1qW5eU0oI3aP7cF2", List.of("Bob", "Eve"),
            false);
    private final MessageValidator validator = new MessageValidator(32_768);
    private AccessControl access;
    private Lobby lobby;

    @BeforeEach
    void setUp() throws Exception {
        access = new AccessControl(ConfigLoader.defaults().access(), UnaryOperator.identity(), System::nanoTime,
                Clock.systemUTC());
        lobby = new Lobby(NODE, new NodeConfig.Lobby(List.of(ANN, DAN), false), access, Clock.systemUTC());
        final Map<String, InetAddress> addresses = Map.of(BOB, InetAddress.getByName("127.0.0.1"),
                EVE, InetAddress.getByName("127.0.0.2"), ZED, InetAddress.getByName("127.0.0.3"));
        lobby.attach(new Presence() {
            @Override
            public boolean isConnected(final @NotNull String peerId) {
                return addresses.containsKey(peerId);
            }

            @Override
            public boolean isInRoom(final @NotNull String peerId, final @NotNull String roomId) {
                return false;
            }

            @Override
            public @Nullable InetAddress addressOf(final @NotNull String peerId) {
                return addresses.get(peerId);
            }
        });
    }

    private Verdict send(final String sender, final String inbox, final String json) {
        final MessageValidator.Result r = validator.validate(new SignalingMessage(new Topic.Inbox(inbox), sender,
                json.getBytes(StandardCharsets.UTF_8)));
        final MessageValidator.Result.Valid valid = assertInstanceOf(MessageValidator.Result.Valid.class, r,
                String.valueOf(r));
        return valid.message() instanceof Message.LobbyRequest q ? lobby.request(valid.envelope(), q)
                : lobby.cancel(valid.envelope(), (Message.LobbyCancel) valid.message());
    }

    @Test
    void requests_allGetTheSameVerdict_andEachAdminSeesOnlyTheirs() {
        final Verdict good = send(BOB, NODE, "{\"v\":1,\"type\":\"lobby-request\",\"name\":\"Bob\",\"admin\":\"ann\"}");
        final Verdict unpermitted = send(EVE, NODE, "{\"v\":1,\"type\":\"lobby-request\",\"name\":\"Eve\",\"admin\":\"Ann\"}");
        final Verdict unknown = send(ZED, NODE, "{\"v\":1,\"type\":\"lobby-request\",\"name\":\"Zed\",\"admin\":\"Nobody\"}");
        assertEquals(Verdict.drop(), good);
        assertEquals(good, unpermitted);
        assertEquals(good, unknown);

        assertEquals(List.of("Bob", "Eve"), lobby.waitingFor(ANN).stream().map(Lobby.Waiting::name).toList());
        assertTrue(lobby.waitingFor(DAN).isEmpty());
        assertTrue(Lobby.permitted(ANN, "BOB"));
        assertTrue(!Lobby.permitted(ANN, "Eve"));
        assertEquals("127.0.0.2", lobby.waitingFor(ANN).get(1).address().getHostAddress());

        final List<AccessEvent> events = access.events().snapshot();
        assertEquals(List.of(AccessEvent.Kind.UNPERMITTED_NAME, AccessEvent.Kind.UNKNOWN_ADMIN),
                events.stream().map(AccessEvent::kind).toList());
        assertTrue(events.get(1).detail().contains("Nobody"), events.get(1).detail());
    }

    @Test
    void cancelAndDisconnect_endTheWait_andAReloadRedirectsTheWaiting() {
        send(BOB, NODE, "{\"v\":1,\"type\":\"lobby-request\",\"name\":\"Bob\",\"admin\":\"Dan\"}");
        send(EVE, NODE, "{\"v\":1,\"type\":\"lobby-request\",\"name\":\"Eve\",\"admin\":\"Dan\"}");
        assertEquals(2, lobby.waitingFor(DAN).size());
        assertEquals(Verdict.drop(), send(BOB, NODE, "{\"v\":1,\"type\":\"lobby-cancel\"}"));
        assertEquals(List.of("Eve"), lobby.waitingFor(DAN).stream().map(Lobby.Waiting::name).toList());
        // Dan renamed to Dave in the file: Eve asked for "Dan", who no longer exists.
        final NodeConfig.Admin dave = new NodeConfig.Admin("Dave", DAN.path(), DAN.permitted(), false);
        lobby.update(new NodeConfig.Lobby(List.of(ANN, dave), false));
        assertTrue(lobby.waitingFor(dave).isEmpty());
        lobby.update(new NodeConfig.Lobby(List.of(ANN, DAN), false));
        assertEquals(1, lobby.waitingFor(DAN).size(), "still waiting after the reloads");
        lobby.left(EVE);
        assertNull(lobby.waiting(EVE));
    }

    @Test
    void oneAdmin_needsNoAdminName() {
        final NodeConfig.Admin only = new NodeConfig.Admin("Ann", ANN.path(), List.of("Bob"), true);
        lobby.update(new NodeConfig.Lobby(List.of(only), false));
        send(BOB, NODE, "{\"v\":1,\"type\":\"lobby-request\",\"name\":\"Bob\"}");
        assertEquals(1, lobby.waitingFor(only).size());
    }

    @Test
    void requestToAnotherInbox_isRefused_andNamesAreCleaned() {
        final Verdict wrong = send(BOB, EVE, "{\"v\":1,\"type\":\"lobby-request\",\"name\":\"Bob\"}");
        assertInstanceOf(Verdict.Reject.class, wrong);
        send(BOB, NODE, "{\"v\":1,\"type\":\"lobby-request\",\"name\":\" B\\u202eob\\u0007 \",\"admin\":\"Ann\"}");
        assertEquals("Bob", lobby.waiting(BOB).name());
        assertInstanceOf(Verdict.Reject.class,
                send(ZED, NODE, "{\"v\":1,\"type\":\"lobby-request\",\"name\":\"\\u200b\",\"admin\":\"Ann\"}"));
    }
}
