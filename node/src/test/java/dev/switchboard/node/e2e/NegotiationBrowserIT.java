package dev.switchboard.node.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.switchboard.broker.spi.ForwardingSignalingInterceptor;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.broker.topic.Topic;
import dev.switchboard.node.Node;
import dev.switchboard.node.relay.RelaySession;
import org.jetbrains.annotations.NotNull;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Perfect negotiation through the node: both sides offer at the same moment (glare) and still
 * connect, relayed and verified; and after connecting, a side adds audio and later restarts ICE,
 * each with a new signed offer that the node rewrites to its relay like the first, and the
 * session stays relayed and keeps working. The node is the real one, with a recorder around its
 * signaling service that keeps every offer and answer as the node forwarded it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NegotiationBrowserIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern UFRAG = Pattern.compile("a=ice-ufrag:(\\S+)");

    /** Every offer and answer the node forwarded, in order, as it forwarded it. */
    static final ConcurrentLinkedQueue<Description> forwarded = new ConcurrentLinkedQueue<>();

    /** Every join and hello the node forwarded, in order, with its {@code o} field as forwarded. */
    static final ConcurrentLinkedQueue<Announced> announced = new ConcurrentLinkedQueue<>();

    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(new Node.Options(Recorder::new), true);

    /**
     * While set, the recorder holds each offer it would forward until offers from two different
     * senders have been seen (or {@link #GATE_LIMIT} passed), so that both offers of a glare test
     * are made before either side receives the other's, however late one page's timer fires.
     */
    static volatile GlareGate glareGate;

    private static final Duration GATE_LIMIT = Duration.ofSeconds(3);

    @BeforeEach
    void clear() {
        forwarded.clear();
        announced.clear();
        glareGate = null;
    }

    /**
     * docs/protocol.md §5 step 3: a newcomer with the smaller id whose join says {@code "o":1} gets
     * the first offer from the member right behind its hello (one trip through the node less); and
     * a side that does not take part (page option {@code offerFirst: false}, as a client before the
     * rule) is never met with two first offers: the smaller id offers, as before.
     */
    @Test
    void newcomerWithSmallerId_memberOffersFirstWhenBothSaySo_elseTheSmallerIdAsBefore_neverGlare() {
        // member and newcomer both take part: the member (larger id) offers, the newcomer answers.
        firstOffer("o both", null, null, true);
        // a newcomer before the rule: no "o" in its join, so no "o" in the hello; it offers itself.
        firstOffer("o old newcomer", null, "{ offerFirst: false }", false);
        // a member before the rule: the join says "o":1, the hello does not; the newcomer offers.
        firstOffer("o old member", "{ offerFirst: false }", null, false);
    }

    /**
     * Two pages meet in the room of {@code word}, the one with the larger id joining first (the
     * member), and connect; checks who made the first offer and that no offers collided.
     */
    private static void firstOffer(final String word, final String memberOptions, final String newcomerOptions,
                                   final boolean memberOffers) {
        forwarded.clear();
        announced.clear();
        try (BrowserContext one = fixture.browsers().newContext(); BrowserContext two = fixture.browsers().newContext()) {
            final Page a = Pages.open(one, fixture.node(), null);
            final Page b = Pages.open(two, fixture.node(), null);
            final String aId = (String) a.evaluate("switchboard.id()");
            final String bId = (String) b.evaluate("switchboard.id()");
            // The member is whichever page has the larger id; the options go with the roles (the
            // page reads them at Join).
            final boolean aLarger = aId.compareTo(bId) > 0;
            final Page member = aLarger ? a : b;
            final Page newcomer = aLarger ? b : a;
            final String memberId = aLarger ? aId : bId;
            final String newcomerId = aLarger ? bId : aId;
            if (memberOptions != null) {
                member.evaluate("() => { window.switchboardOptions = " + memberOptions + "; }");
            }
            if (newcomerOptions != null) {
                newcomer.evaluate("() => { window.switchboardOptions = " + newcomerOptions + "; }");
            }
            Pages.enter(member, "Ann", word);
            assertThat(member.locator("#status")).containsText("Waiting for the other person", Pages.WAIT);
            // A join met within a second of the member's own is answered by the id rule (two
            // joins at the same moment): the newcomer comes once the member is settled, as a
            // person joining a room where someone waits does.
            if (memberOptions == null) {
                await().atMost(WAIT).until(() -> Boolean.TRUE.equals(member.evaluate("switchboard.offersFirstNow()")));
            }
            Pages.enter(newcomer, "Bob", word);
            assertThat(member.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(newcomer.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            await().atMost(WAIT).until(() -> settled(member, newcomerId) && settled(newcomer, memberId));

            final boolean newcomerSays = newcomerOptions == null;
            final boolean memberSays = newcomerSays && memberOptions == null;
            assertEquals(List.of(new Announced(memberId, "join", memberOptions == null),
                    new Announced(newcomerId, "join", newcomerSays), new Announced(memberId, "hello", memberSays)),
                    List.copyOf(announced), word);
            final Map<String, Object> m = negotiation(member, newcomerId);
            final Map<String, Object> n = negotiation(newcomer, memberId);
            assertEquals(memberOffers ? 1 : 0, number(m, "offersSent"), word + ": " + m);
            assertEquals(memberOffers ? 0 : 1, number(n, "offersSent"), word + ": " + n);
            assertEquals(memberOffers ? 1 : 0, number(n, "answersSent"), word + ": " + n);
            assertEquals(memberOffers ? 0 : 1, number(m, "answersSent"), word + ": " + m);
            for (final Map<String, Object> side : List.of(m, n)) {
                assertEquals(0, number(side, "collisions"), word + ": " + side);
                assertEquals(0, number(side, "rollbacks"), word + ": " + side);
                assertEquals(true, side.get("verified"), word + ": " + side);
            }
            assertEquals(List.of(memberOffers ? memberId : newcomerId), forwarded.stream()
                    .filter(d -> d.type().equals("offer")).map(Description::sender).toList(), word);
        }
    }

    /**
     * docs/protocol.md §5 step 3: two pages that press Join at the same moment (each may receive
     * the other's join and answer it with a hello) go by the id rule, although both joins say
     * {@code "o":1}: no hello says {@code "o":1}, the smaller id makes the one first offer, and no
     * offers collide.
     */
    @Test
    void joinAtTheSameMoment_noHelloSaysO_smallerIdOffers_noCollision() {
        try (BrowserContext one = fixture.browsers().newContext(); BrowserContext two = fixture.browsers().newContext()) {
            final Page a = Pages.open(one, fixture.node(), null);
            final Page b = Pages.open(two, fixture.node(), null);
            final String aId = (String) a.evaluate("switchboard.id()");
            final String bId = (String) b.evaluate("switchboard.id()");
            for (final Page page : List.of(a, b)) {
                page.fill("#name", page == a ? "Ann" : "Bob");
                page.fill("#word", "same moment");
            }
            // Both clicks at one moment of the machine's clock (the pages share it).
            final double at = System.currentTimeMillis() + 500; // a JavaScript number
            for (final Page page : List.of(a, b)) {
                page.evaluate("(at) => { setTimeout(() => document.getElementById('join').click(), Math.max(0, at - Date.now())); }", at);
            }
            assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(b.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            await().atMost(WAIT).until(() -> settled(a, bId) && settled(b, aId));

            // Both joins said "o":1. When each page received the other's join, both answered it
            // with a hello (two hellos), and neither may say "o":1: the smaller id offers. (Should
            // one page on a loaded machine join over a second after the other, the one hello may
            // say "o":1, and its sender is then the one offerer.)
            final List<Announced> hellos = announced.stream().filter(x -> x.type().equals("hello")).toList();
            assertTrue(announced.stream().filter(x -> x.type().equals("join")).allMatch(Announced::offerFirst), announced.toString());
            assertTrue(hellos.size() == 1 || hellos.stream().noneMatch(Announced::offerFirst), announced.toString());
            final String offerer = hellos.stream().filter(Announced::offerFirst).map(Announced::sender).findFirst()
                    .orElse(aId.compareTo(bId) < 0 ? aId : bId);
            assertEquals(List.of(offerer), forwarded.stream().filter(d -> d.type().equals("offer")).map(Description::sender).toList(),
                    announced.toString());
            System.out.println("NegotiationBrowserIT: joins at the same moment gave " + hellos.size() + " hello(s): " + announced);
            for (final Map<String, Object> side : List.of(negotiation(a, bId), negotiation(b, aId))) {
                assertEquals(0, number(side, "collisions"), side.toString());
                assertEquals(0, number(side, "rollbacks"), side.toString());
                assertEquals(true, side.get("verified"), side.toString());
            }
        }
    }

    @Test
    void bothOfferAtOnce_politeRollsBack_connectedRelayedAndVerified() {
        try (BrowserContext annContext = fixture.browsers().newContext(); BrowserContext bobContext = fixture.browsers().newContext()) {
            final Page ann = Pages.join(annContext, fixture.node(), "Ann", "both at once", Pages.MANUAL_START);
            final Page bob = Pages.join(bobContext, fixture.node(), "Bob", "both at once", Pages.MANUAL_START);
            final String annId = (String) ann.evaluate("switchboard.id()");
            final String bobId = (String) bob.evaluate("switchboard.id()");

            // They meet, and with automatic starting off nobody offers.
            assertThat(ann.locator("#peers li[data-peer='" + bobId + "']")).hasCount(1, Pages.COUNT);
            assertThat(bob.locator("#peers li[data-peer='" + annId + "']")).hasCount(1, Pages.COUNT);
            assertThat(ann.locator("#peers li[data-peer='" + bobId + "']")).hasAttribute("data-state", "waiting");
            assertThat(bob.locator("#peers li[data-peer='" + annId + "']")).hasAttribute("data-state", "waiting");
            assertTrue(forwarded.isEmpty(), forwarded.toString());

            // Both start the session at the same moment (the pages share the machine's clock), and
            // the node holds the first offer until the second is made: on a loaded machine one
            // page's timer can fire late enough to receive the other's offer before making its own.
            glareGate = new GlareGate();
            final double at = System.currentTimeMillis() + 1000; // a JavaScript number
            ann.evaluate("([id, at]) => { switchboard.startSession(id, at); }", List.of(bobId, at));
            bob.evaluate("([id, at]) => { switchboard.startSession(id, at); }", List.of(annId, at));

            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(ann.locator("#status")).containsText("via the node's relay", Pages.WAIT);
            assertThat(bob.locator("#status")).containsText("via the node's relay", Pages.WAIT);

            // The offers really collided: both sent one through the node; the impolite side (the
            // smaller id) ignored the other's, the polite side rolled its own back and answered.
            // (After answering, the polite side may offer once more to settle what it had rolled
            // back: Chromium fires negotiationneeded again; that offer is answered normally.)
            final boolean annImpolite = annId.compareTo(bobId) < 0;
            final Page impolite = annImpolite ? ann : bob;
            final Page polite = annImpolite ? bob : ann;
            final String impoliteId = annImpolite ? annId : bobId;
            final String politeId = annImpolite ? bobId : annId;
            await().atMost(WAIT).until(() -> settled(impolite, politeId) && settled(polite, impoliteId)
                    && count(politeId, "offer") == number(negotiation(polite, impoliteId), "offersSent")
                    && count(impoliteId, "answer") == number(negotiation(impolite, politeId), "answersSent"));
            final Map<String, Object> i = negotiation(impolite, politeId);
            final Map<String, Object> p = negotiation(polite, impoliteId);
            assertEquals(false, i.get("polite"), i.toString());
            assertEquals(true, p.get("polite"), p.toString());
            assertEquals(1, number(i, "offersSent"), i.toString());
            assertTrue(number(p, "offersSent") >= 1, p.toString());
            assertEquals(1, number(i, "ignoredOffers"), i.toString());
            assertEquals(0, number(i, "rollbacks"), i.toString());
            assertEquals(1, number(p, "rollbacks"), p.toString());
            assertEquals(0, number(p, "ignoredOffers"), p.toString());
            assertEquals(1, number(p, "answersSent"), p.toString());
            assertEquals(number(p, "offersSent") - 1, number(i, "answersSent"), i + " / " + p);
            assertEquals(true, i.get("verified"), i.toString());
            assertEquals(true, p.get("verified"), p.toString());
            assertEquals(1, count(impoliteId, "offer"));
            assertEquals(1, count(politeId, "answer"));

            // Relayed: each browser's selected pair names the relay port that stands for the other.
            final RelaySession session = onlySession(annId);
            assertRemote(ann, bobId, session.advertisedAddress(bobId));
            assertRemote(bob, annId, session.advertisedAddress(annId));

            Pages.send(ann, "we both called");
            assertThat(bob.locator("#log")).containsText("Ann: we both called", Pages.WAIT);
            Pages.send(bob, "and it still worked");
            assertThat(ann.locator("#log")).containsText("Bob: and it still worked", Pages.WAIT);
        }
    }

    @Test
    void afterConnecting_addAudioThenRestartIce_eachOfferRelayedAndSessionStaysRelayed() {
        try (BrowserContext annContext = fixture.browsers().newContext(); BrowserContext bobContext = fixture.browsers().newContext()) {
            final Page ann = Pages.join(annContext, fixture.node(), "Ann", "one more thing");
            final Page bob = Pages.join(bobContext, fixture.node(), "Bob", "one more thing");
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            final String annId = (String) ann.evaluate("switchboard.id()");
            final String bobId = (String) bob.evaluate("switchboard.id()");
            // Whoever started the session: the member answering the other's join (both pages take
            // part in docs/protocol.md §5 step 3), or the smaller id if they met at the same moment.
            final boolean annStarts = forwarded.stream().filter(d -> d.type().equals("offer")).findFirst()
                    .orElseThrow().sender().equals(annId);
            final Page starter = annStarts ? ann : bob;
            final Page other = annStarts ? bob : ann;
            final String starterId = annStarts ? annId : bobId;
            final String otherId = annStarts ? bobId : annId;
            final RelaySession session = onlySession(annId);
            assertEquals(1, count(starterId, "offer"));
            assertEquals(0, count(otherId, "offer"));

            // The side that did not start the session adds a microphone: its own signed offer goes
            // through the node, which rewrites it to the relay like the first.
            assertEquals(true, other.evaluate("id => switchboard.addAudio(id)", starterId));
            await().atMost(WAIT).until(() -> count(otherId, "offer") == 1 && count(starterId, "answer") == 1);
            final Description audioOffer = last(otherId, "offer");
            assertTrue(audioOffer.sdp().contains("m=audio"), audioOffer.sdp());
            assertOnlyRelayCandidates(audioOffer.sdp(), session.advertisedAddress(otherId));
            assertOnlyRelayCandidates(last(starterId, "answer").sdp(), session.advertisedAddress(starterId));
            await().atMost(WAIT).until(() -> {
                final Map<String, Object> n = negotiation(starter, otherId);
                return "stable".equals(n.get("signalingState")) && String.valueOf(n.get("remote")).contains("m=audio");
            });
            final Map<String, Object> received = negotiation(starter, otherId);
            assertEquals(2, number(received, "offersReceived") + number(received, "answersReceived"), received.toString());
            assertEquals(true, received.get("verified"), received.toString());

            // Still one relay session, still relayed both ways, and the channels still carry chat.
            assertEquals(1, fixture.node().relay().sessionsOf(annId).size());
            assertRemote(ann, bobId, session.advertisedAddress(bobId));
            assertRemote(bob, annId, session.advertisedAddress(annId));
            Pages.send(starter, "I can hear you now");
            assertThat(other.locator("#log")).containsText("I can hear you now", Pages.WAIT);

            // The starter restarts ICE: a new signed offer with new ICE credentials, through the node.
            final String oldUfrag = ufrag(last(starterId, "offer").sdp());
            assertEquals(true, starter.evaluate("id => switchboard.restartIce(id)", otherId));
            await().atMost(WAIT).until(() -> count(starterId, "offer") == 2 && count(otherId, "answer") == 2);
            final Description restart = last(starterId, "offer");
            assertNotEquals(oldUfrag, ufrag(restart.sdp()), "an ICE restart offer carries a new ice-ufrag");
            assertOnlyRelayCandidates(restart.sdp(), session.advertisedAddress(starterId));
            await().atMost(WAIT).until(() -> {
                final Object ice = negotiation(starter, otherId).get("iceConnectionState");
                return "connected".equals(ice) || "completed".equals(ice);
            });
            assertEquals(1, number(negotiation(starter, otherId), "iceRestarts"));
            assertEquals(1, fixture.node().relay().sessionsOf(annId).size());
            assertRemote(ann, bobId, session.advertisedAddress(bobId));
            assertRemote(bob, annId, session.advertisedAddress(annId));
            final long before = session.counters().packetsAtoB() + session.counters().packetsBtoA();
            Pages.send(other, "still here after the restart");
            assertThat(starter.locator("#log")).containsText("still here after the restart", Pages.WAIT);
            assertTrue(session.counters().packetsAtoB() + session.counters().packetsBtoA() > before,
                    "the chat after the restart went through the relay");
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(1);
        }
    }

    /**
     * The relay session under a connected pair goes away (as after a relay restart): ICE fails,
     * and the pages restart ICE by themselves with new signed offers through the node, which
     * opens a new relay session; they connect through it and chat again.
     */
    @Test
    void relaySessionLost_iceFails_pagesRestartIceThroughNodeOntoNewRelaySession() {
        try (BrowserContext annContext = fixture.browsers().newContext(); BrowserContext bobContext = fixture.browsers().newContext()) {
            final Page ann = Pages.join(annContext, fixture.node(), "Ann", "lost and found");
            final Page bob = Pages.join(bobContext, fixture.node(), "Bob", "lost and found");
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            final String annId = (String) ann.evaluate("switchboard.id()");
            final String bobId = (String) bob.evaluate("switchboard.id()");
            final RelaySession lost = onlySession(annId);
            final long offersBefore = count(annId, "offer") + count(bobId, "offer");

            lost.close();

            // ICE notices (consent checks go unanswered), and at least one side restarts ICE.
            await().atMost(Duration.ofSeconds(90)).until(() ->
                    number(negotiation(ann, bobId), "iceRestarts") + number(negotiation(bob, annId), "iceRestarts") >= 1
                            && count(annId, "offer") + count(bobId, "offer") > offersBefore);
            await().atMost(WAIT).until(() -> fixture.node().relay().sessionsOf(annId).size() == 1
                    && fixture.node().relay().sessionsOf(annId).get(0) != lost);
            final RelaySession found = onlySession(annId);
            await().atMost(WAIT).until(() -> {
                final Object a = negotiation(ann, bobId).get("iceConnectionState");
                final Object b = negotiation(bob, annId).get("iceConnectionState");
                return ("connected".equals(a) || "completed".equals(a)) && ("connected".equals(b) || "completed".equals(b));
            });
            assertFalse(lost.isOpen());
            assertRemote(ann, bobId, found.advertisedAddress(bobId));
            assertRemote(bob, annId, found.advertisedAddress(annId));
            Pages.send(ann, "found you again");
            assertThat(bob.locator("#log")).containsText("Ann: found you again", Pages.WAIT);
            assertTrue(found.counters().packetsAtoB() > 0 && found.counters().packetsBtoA() > 0, found.counters().toString());
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(1);
        }
    }

    private static RelaySession onlySession(final String peerId) {
        final List<RelaySession> sessions = fixture.node().relay().sessionsOf(peerId);
        assertEquals(1, sessions.size(), sessions.toString());
        return sessions.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> negotiation(final Page page, final String peerId) {
        final Map<String, Object> n = (Map<String, Object>) page.evaluate("id => switchboard.negotiation(id)", peerId);
        assertNotNull(n, "no session with " + peerId);
        return n;
    }

    /** Nothing pending: no offer of either side waits for its answer. */
    private static boolean settled(final Page page, final String peerId) {
        return "stable".equals(negotiation(page, peerId).get("signalingState"));
    }

    private static int number(final Map<String, Object> map, final String key) {
        return ((Number) map.get(key)).intValue();
    }

    private static long count(final String sender, final String type) {
        return forwarded.stream().filter(d -> d.sender().equals(sender) && d.type().equals(type)).count();
    }

    private static Description last(final String sender, final String type) {
        return forwarded.stream().filter(d -> d.sender().equals(sender) && d.type().equals(type))
                .reduce((a, b) -> b).orElseThrow();
    }

    private static String ufrag(final String sdp) {
        final Matcher m = UFRAG.matcher(sdp);
        assertTrue(m.find(), sdp);
        return m.group(1);
    }

    /** Every candidate in a forwarded description is the relay port that stands for its sender. */
    private static void assertOnlyRelayCandidates(final String sdp, final InetSocketAddress relay) {
        final List<String> candidates = sdp.lines().filter(l -> l.startsWith("a=candidate:")).toList();
        assertFalse(candidates.isEmpty(), sdp);
        final String expected = " " + relay.getAddress().getHostAddress() + " " + relay.getPort() + " typ relay ";
        for (final String c : candidates) {
            assertTrue(c.contains(expected), c + " should name " + expected);
        }
    }

    @SuppressWarnings("unchecked")
    private static void assertRemote(final Page page, final String peerId, final InetSocketAddress expected) {
        final Map<String, Object> route = (Map<String, Object>) page.evaluate(
                "async (id) => (await switchboard.peers()).find(p => p.id === id).route", peerId);
        assertNotNull(route, "no selected candidate pair");
        assertEquals(expected.getAddress().getHostAddress(), route.get("remoteAddress"), route.toString());
        assertEquals(expected.getPort(), ((Number) route.get("remotePort")).intValue(), route.toString());
    }

    /** Opens once offers from two different senders have arrived, or after {@link #GATE_LIMIT}. */
    static final class GlareGate {
        private final Set<String> senders = ConcurrentHashMap.newKeySet();
        private final CompletableFuture<Void> open = new CompletableFuture<Void>()
                .completeOnTimeout(null, GATE_LIMIT.toMillis(), TimeUnit.MILLISECONDS);

        CompletableFuture<Void> pass(final String sender) {
            senders.add(sender);
            if (senders.size() >= 2) {
                open.complete(null);
            }
            return open;
        }
    }

    /** An offer or answer as the node forwarded it. */
    record Description(String sender, String type, String sdp) {
    }

    /** A join or hello as the node forwarded it: whether it carried {@code "o":1}. */
    record Announced(String sender, String type, boolean offerFirst) {
    }

    /** The node's real signaling service, recording every offer and answer it forwards. */
    static final class Recorder extends ForwardingSignalingInterceptor {
        private final JsonMapper mapper = JsonMapper.builder().build();

        Recorder(final SignalingInterceptor honest) {
            super(honest);
        }

        @Override
        public @NotNull CompletableFuture<Verdict> inspect(final @NotNull SignalingMessage message) {
            return delegate().inspect(message).thenCompose(verdict -> {
                final GlareGate gate = glareGate;
                if (gate == null || !"offer".equals(type(message.payload()))) {
                    return CompletableFuture.completedFuture(record(message, verdict));
                }
                return gate.pass(message.senderId()).thenApply(ignored -> record(message, verdict));
            });
        }

        private String type(final byte[] payload) {
            try {
                return mapper.readTree(payload).path("type").asText();
            } catch (final IOException e) {
                return "";
            }
        }

        private Verdict record(final SignalingMessage message, final Verdict verdict) {
            final byte[] out = verdict instanceof Verdict.Rewrite rewrite ? rewrite.payload()
                    : verdict instanceof Verdict.Forward ? message.payload() : null;
            if (out != null) {
                try {
                    final JsonNode json = mapper.readTree(out);
                    final String type = json.path("type").asText();
                    if (type.equals("join") || type.equals("hello")) {
                        announced.add(new Announced(message.senderId(), type, json.path("o").asInt(0) == 1));
                    }
                    if (type.equals("offer") || type.equals("answer")) {
                        forwarded.add(new Description(message.senderId(), type, json.path("sdp").asText()));
                    }
                } catch (final IOException e) {
                    throw new IllegalStateException("the node forwarded a payload that is not JSON", e);
                }
            }
            return verdict;
        }
    }
}
