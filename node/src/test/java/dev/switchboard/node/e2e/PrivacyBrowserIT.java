package dev.switchboard.node.e2e;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.switchboard.broker.TestPeer;
import dev.switchboard.broker.spi.ForwardingSignalingInterceptor;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.broker.topic.Topic;
import dev.switchboard.node.Node;
import dev.switchboard.node.signaling.RoomSecrets;
import org.jetbrains.annotations.NotNull;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Private even from the node ({@code docs/protocol.md} §1.1, §5.1, §6.1, §11), in real Chromium:
 * <ul>
 * <li>a tap with the node's own view (a wrapper around its signaling service, which sees every
 *     message published and every rewrite) records every payload of a room session, and neither
 *     the payloads nor the node's log (at TRACE) hold a display name, the word, a chat line or
 *     any key the word gives;</li>
 * <li>a member the node announces with a valid key of its own but without the word is refused by
 *     the real members, and their pages say why;</li>
 * <li>a node that tampers with the membership MAC of an offer gets the session refused.</li>
 * </ul>
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PrivacyBrowserIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SecureRandom RANDOM = new SecureRandom();

    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(new Node.Options(Tap::new), true);

    /** Every payload the node saw: as published, and as rewritten when it was. */
    static final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** When set, the node flips one character of every offer's membership MAC. */
    static volatile boolean tamperWithMacs;
    static final AtomicInteger tampered = new AtomicInteger();
    /** The sender of the first offer whose MAC the node changed in the running test. */
    static final AtomicReference<String> macTamperedFrom = new AtomicReference<>();

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Level previousLevel;

    record Seen(String topic, String sender, String payload) {
    }

    @BeforeEach
    void tapLogs() {
        seen.clear();
        tamperWithMacs = false;
        final Logger node = (Logger) LoggerFactory.getLogger("dev.switchboard");
        previousLevel = node.getLevel();
        node.setLevel(Level.TRACE);
        logs.start();
        node.addAppender(logs);
    }

    @AfterEach
    void untapLogs() {
        final Logger node = (Logger) LoggerFactory.getLogger("dev.switchboard");
        node.detachAppender(logs);
        node.setLevel(previousLevel);
        tamperWithMacs = false;
    }

    @Test
    void sameWord_meetAndChatRelayed_nodeSeesNoNameWordOrKey() {
        final String word = "violet harbor 7";
        final String annName = "Annabel Quist";
        final String bobName = "Bartholomew Oyelaran";
        final String line = "the plan is in the blue folder";
        try (BrowserContext annContext = fixture.browsers().newContext(); BrowserContext bobContext = fixture.browsers().newContext()) {
            // Every text the status line shows, to see the progress state of the derivation. Ann's
            // PBKDF2 is made to take 500 ms longer (the real result, handed back later), so it is
            // still running when she presses Join however fast this machine derives: the page
            // begins the derivation when the word field is left, and a quick one would be over
            // before Join, with nothing to show.
            annContext.addInitScript("window.statusTexts = []; document.addEventListener('DOMContentLoaded', () => {"
                    + " const s = document.getElementById('status'); new MutationObserver(() =>"
                    + " window.statusTexts.push(s.textContent)).observe(s, {childList: true, characterData: true,"
                    + " subtree: true}); });"
                    + " { const subtle = crypto.subtle; const deriveBits = subtle.deriveBits.bind(subtle);"
                    + "   subtle.deriveBits = async (algorithm, key, length) => {"
                    + "     const bits = await deriveBits(algorithm, key, length);"
                    + "     if (algorithm.name === 'PBKDF2') await new Promise((r) => setTimeout(r, 500));"
                    + "     return bits; }; }");
            final Page ann = Pages.join(annContext, fixture.node(), annName, word);
            final Page bob = Pages.join(bobContext, fixture.node(), bobName, word);
            assertThat(ann.locator("#status")).containsText("via the node's relay", Pages.WAIT);
            assertThat(bob.locator("#status")).containsText("via the node's relay", Pages.WAIT);
            Pages.send(ann, line);
            assertThat(bob.locator("#log")).containsText(annName + ": " + line, Pages.WAIT);
            assertThat(ann.locator("#peers li")).containsText(bobName);
            // Issue 15: while the costly derivation runs, the page says so.
            final List<?> shown = (List<?>) ann.evaluate("window.statusTexts");
            assertTrue(shown.stream().anyMatch(t -> String.valueOf(t).contains("Turning the secret word into the room's key")),
                    "no progress state while deriving; the status showed " + shown);
            System.out.printf("PrivacyBrowserIT: deriving the room from the word took %s ms (Ann, 500 ms of it added) and %s ms (Bob) in Chromium%n",
                    ann.evaluate("Math.round(switchboard.derivationMillis())"),
                    bob.evaluate("Math.round(switchboard.derivationMillis())"));

            // The node saw the room id the browsers derived (§1.1), and nothing else of the word.
            final RoomSecrets secrets = RoomSecrets.of(word);
            final String presence = "sb/v1/room/" + secrets.roomId() + "/presence";
            assertTrue(seen.stream().anyMatch(s -> s.topic().equals(presence)), "no join seen on " + presence);
            final Set<String> types = new TreeSet<>();
            for (final Seen s : seen) {
                types.add(json(s.payload()).path("type").asText());
            }
            assertTrue(types.containsAll(List.of("join", "hello", "offer", "answer")), types.toString());

            final List<String> secretsAsText = new ArrayList<>(List.of(annName, bobName, word, line));
            for (final byte[] key : List.of(secrets.master(), secrets.roomKey(), secrets.membershipKey())) {
                secretsAsText.add(HexFormat.of().formatHex(key));
                secretsAsText.add(Base64.getEncoder().withoutPadding().encodeToString(key));
                secretsAsText.add(Base64.getUrlEncoder().withoutPadding().encodeToString(key));
            }
            for (final Seen s : seen) {
                for (final String secret : secretsAsText) {
                    assertFalse(s.payload().toLowerCase(Locale.ROOT).contains(secret.toLowerCase(Locale.ROOT)),
                            "the node saw '" + secret + "' in " + s.topic() + ": " + s.payload());
                }
            }
            // Nor does the node write any of it to its log, at any level.
            assertFalse(logs.list.isEmpty(), "the tap on the log saw nothing");
            for (final ILoggingEvent e : logs.list) {
                final String text = e.getFormattedMessage()
                        + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()));
                for (final String secret : secretsAsText) {
                    assertFalse(text.toLowerCase(Locale.ROOT).contains(secret.toLowerCase(Locale.ROOT)),
                            "the node logged '" + secret + "': " + text);
                }
                assertFalse(text.contains("a=fingerprint") || text.contains("v=0\r\n"), "the node logged SDP: " + text);
            }
            System.out.printf("PrivacyBrowserIT: the tap checked %d payloads (%s) and %d log lines%n",
                    seen.size(), types, logs.list.size());
        }
    }

    @Test
    void nodeAnnouncesMemberOfItsOwn_withoutTheWord_membersRefuseAndSayWhy() throws Exception {
        final String word = "quiet meadow 3";
        try (BrowserContext annContext = fixture.browsers().newContext(); BrowserContext bobContext = fixture.browsers().newContext();
             TestPeer fake = new TestPeer()) {
            final Page ann = Pages.join(annContext, fixture.node(), "Ann", word);
            assertThat(ann.locator("#status")).containsText("Waiting for the other person", Pages.WAIT);
            final String annId = (String) ann.evaluate("switchboard.id()");
            // What the node knows: the room id, from the topic Ann announced herself on.
            final String presence = await().atMost(Duration.ofSeconds(30)).until(
                    () -> seen.stream().filter(s -> s.sender().equals(annId) && s.topic().endsWith("/presence"))
                            .map(Seen::topic).findFirst().orElse(null), t -> t != null);
            final String roomId = presence.split("/")[3];

            // The node's own member: a valid key (it connects and signs like anyone), no word.
            fake.connect(fixture.node().broker().tcpPort());
            assertEquals(1, fake.subscribe(fake.inbox()));
            assertEquals(1, fake.subscribe(presence));
            final String fakeNonce = randomBase64Url(16);
            assertEquals(0, fake.publish(presence, JSON.createObjectNode().put("v", 1).put("type", "join")
                    .put("key", b64(fake.spki)).put("nonce", fakeNonce).put("box", randomBase64Url(156)).toString()).code(),
                    "the node's own checks pass the fake join: only members can tell");

            final var annSeesFake = ann.locator("#peers li[data-peer='" + fake.id + "']");
            assertThat(annSeesFake.locator(".reason")).containsText("this person does not know the room's word", Pages.WAIT);
            assertThat(annSeesFake).hasAttribute("data-state", "refused");
            assertThat(ann.locator("#log")).containsText("Refused someone: this person does not know the room's word", Pages.WAIT);

            // Bob joins; the fake answers his join with a hello as a member would, with a made-up MAC.
            final Page bob = Pages.join(bobContext, fixture.node(), "Bob", word);
            final String bobId = (String) bob.evaluate("switchboard.id()");
            // Everything delivered to the fake, kept whole for the check at the end.
            final List<Mqtt5Publish> toFake = new ArrayList<>();
            final Mqtt5Publish bobJoin = await().atMost(Duration.ofSeconds(60)).until(() -> {
                fake.received.drainTo(toFake);
                return toFake.stream().filter(p -> p.getTopic().toString().equals(presence)
                        && TestPeer.senders(p).contains(bobId)).findFirst().orElse(null);
            }, p -> p != null);
            assertEquals("join", json(TestPeer.payload(bobJoin)).get("type").asText());
            assertEquals(0, fake.publish("sb/v1/inbox/" + bobId, JSON.createObjectNode().put("v", 1).put("type", "hello")
                    .put("room", roomId).put("key", b64(fake.spki)).put("nonce", fakeNonce)
                    .put("box", randomBase64Url(156)).put("mac", randomBase64Url(32)).toString()).code());
            final var bobSeesFake = bob.locator("#peers li[data-peer='" + fake.id + "']");
            assertThat(bobSeesFake.locator(".reason")).containsText("this person does not know the room's word", Pages.WAIT);

            // Ann and Bob meet and connect all the same; the fake is never answered or offered to.
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(bob.locator("#peers li[data-peer='" + annId + "']")).hasAttribute("data-state", "connected");
            final String barrier = "barrier-" + randomBase64Url(6);
            fake.publish(fake.inbox(), JSON.createObjectNode().put("v", 1).put("type", "error").put("code", barrier).toString());
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                fake.received.drainTo(toFake);
                return toFake.stream().anyMatch(p -> TestPeer.payload(p).contains(barrier));
            });
            for (final Mqtt5Publish p : toFake) {
                if (p.getTopic().toString().equals(fake.inbox())) {
                    final String type = json(TestPeer.payload(p)).path("type").asText();
                    assertFalse(Set.of("hello", "offer", "answer").contains(type),
                            "a member talked to the fake: " + TestPeer.payload(p));
                }
            }
            assertTrue(fixture.node().relay().sessionsOf(fake.id).isEmpty());
        }
    }

    @Test
    void nodeChangesTheMembershipMac_receiverRefusesTheSession() {
        tamperWithMacs = true;
        tampered.set(0);
        macTamperedFrom.set(null);
        try (BrowserContext annContext = fixture.browsers().newContext(); BrowserContext bobContext = fixture.browsers().newContext()) {
            final Page ann = Pages.join(annContext, fixture.node(), "Ann", "mac tamper");
            final Page bob = Pages.join(bobContext, fixture.node(), "Bob", "mac tamper");
            final String annId = (String) ann.evaluate("switchboard.id()");
            final String bobId = (String) bob.evaluate("switchboard.id()");
            // Whoever made the first offer (docs/protocol.md §5 step 3: the member answering the
            // other's join, or the smaller id), the other refuses it.
            final String offererId = await().atMost(Duration.ofSeconds(30)).until(macTamperedFrom::get, Objects::nonNull);
            assertTrue(offererId.equals(annId) || offererId.equals(bobId), offererId);
            final Page answerer = offererId.equals(annId) ? bob : ann;
            final var refused = answerer.locator("#peers li[data-peer='" + offererId + "']");
            assertThat(refused.locator(".reason")).containsText("this person does not know the room's word", Pages.WAIT);
            assertThat(refused).hasAttribute("data-state", "refused");
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(0);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(0);
            assertTrue(tampered.get() > 0, "the interceptor never changed a MAC");
        } finally {
            tamperWithMacs = false;
        }
    }

    private static JsonNode json(final String text) {
        try {
            return JSON.readTree(text);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String b64(final byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String randomBase64Url(final int bytes) {
        final byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return b64(b);
    }

    /**
     * The node's view: the real signaling service, recording every payload it is handed and every
     * rewrite it makes; optionally changing the MAC of offers.
     */
    static final class Tap extends ForwardingSignalingInterceptor {

        Tap(final SignalingInterceptor honest) {
            super(honest);
        }

        @Override
        public @NotNull CompletableFuture<Verdict> inspect(final @NotNull SignalingMessage message) {
            seen.add(new Seen(message.mqttTopic(), message.senderId(), new String(message.payload(), StandardCharsets.UTF_8)));
            return delegate().inspect(message).thenApply(verdict -> {
                if (!(verdict instanceof Verdict.Rewrite rewrite)) {
                    return verdict;
                }
                final String text = new String(rewrite.payload(), StandardCharsets.UTF_8);
                seen.add(new Seen(message.mqttTopic(), message.senderId(), text));
                final JsonNode json = json(text);
                if (!tamperWithMacs || !"offer".equals(json.path("type").asText()) || !json.has("mac")) {
                    return verdict;
                }
                final String mac = json.get("mac").asText();
                ((ObjectNode) json).put("mac", (mac.charAt(0) == 'A' ? "B" : "A") + mac.substring(1));
                tampered.incrementAndGet();
                macTamperedFrom.compareAndSet(null, message.senderId());
                return Verdict.rewrite(json.toString().getBytes(StandardCharsets.UTF_8));
            });
        }
    }
}
