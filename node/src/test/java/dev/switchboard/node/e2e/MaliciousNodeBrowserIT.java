package dev.switchboard.node.e2e;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.switchboard.broker.spi.ForwardingSignalingInterceptor;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.broker.topic.Topic;
import dev.switchboard.node.Node;
import org.jetbrains.annotations.NotNull;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node that tries to put itself in the middle of the DTLS session by replacing the
 * {@code a=fingerprint} of the offers and answers it relays: the receiving browser refuses the
 * connection because the end-to-end signature no longer matches, and says so.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MaliciousNodeBrowserIT {

    private static final Pattern FINGERPRINT = Pattern.compile("a=fingerprint:sha-256 ([0-9A-F:]+)");

    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(new Node.Options(FingerprintSwapper::new), true);

    static final AtomicInteger tampered = new AtomicInteger();
    /** The sender of the first offer the node tampered with in the running test. */
    static final AtomicReference<String> firstOfferFrom = new AtomicReference<>();
    /** When set, the node also smuggles a second fingerprint into the nonces of join and hello. */
    static volatile boolean injectIntoNonces;

    @Test
    void nodeRewritesFingerprint_receiverRefusesAndSaysWhy() {
        injectIntoNonces = false;
        firstOfferFrom.set(null);
        try (BrowserContext annContext = fixture.browsers().newContext(); BrowserContext bobContext = fixture.browsers().newContext()) {
            final Page ann = Pages.join(annContext, fixture.node(), "Ann", "open secret");
            final Page bob = Pages.join(bobContext, fixture.node(), "Bob", "open secret");

            final String annId = (String) ann.evaluate("switchboard.id()");
            final String bobId = (String) bob.evaluate("switchboard.id()");
            // Whoever makes the first offer (docs/protocol.md §5 step 3: the member answering the
            // other's join, or the smaller id), the other receives it tampered with.
            final String offererId = await().atMost(Duration.ofSeconds(30)).until(firstOfferFrom::get, Objects::nonNull);
            assertTrue(offererId.equals(annId) || offererId.equals(bobId), offererId);
            final Page offerer = offererId.equals(annId) ? ann : bob;
            final Page answerer = offerer == ann ? bob : ann;

            final var refused = answerer.locator("#peers li[data-peer='" + offererId + "']");
            assertThat(refused).hasAttribute("data-state", "refused",
                    new LocatorAssertions.HasAttributeOptions().setTimeout(30_000));
            assertThat(refused.locator(".reason")).containsText("signature does not match", Pages.WAIT);
            assertThat(answerer.locator("#status")).containsText("refused", Pages.WAIT);
            assertThat(refused.locator(".advice")).containsText("Do not retry through this node");
            Screens.shoot(answerer, "error-refused", "#status", "#peers li[data-state=refused] .reason",
                    "#peers li[data-state=refused] .advice");
            // The offerer is told, and neither side ever connected.
            assertThat(offerer.locator("#log")).containsText("did not verify", Pages.WAIT);
            assertThat(offerer.locator("#peers li[data-state=connected]")).hasCount(0);
            assertThat(answerer.locator("#peers li[data-state=connected]")).hasCount(0);
            assertTrue(tampered.get() > 0, "the interceptor never tampered with an SDP");
        }
    }

    /**
     * The signed statement is lines joined by newlines; a node that could get a newline and a
     * fingerprint of its own into a peer's nonce could line the statement up with an SDP carrying
     * its fingerprint. Browsers refuse such announcements, so nobody even starts connecting.
     */
    @Test
    void nodeInjectsLinesIntoNonces_announcementsIgnoredNothingConnects() {
        injectIntoNonces = true;
        try (BrowserContext annContext = fixture.browsers().newContext(); BrowserContext bobContext = fixture.browsers().newContext()) {
            final Page ann = Pages.join(annContext, fixture.node(), "Ann", "nonce trick");
            final Page bob = Pages.join(bobContext, fixture.node(), "Bob", "nonce trick");
            // Ann, already in the room, receives Bob's doctored join and ignores it, so she never
            // answers with a hello and Bob never hears of her: nobody starts connecting.
            assertThat(ann.locator("#log")).containsText("Ignored a malformed announcement", Pages.WAIT);
            assertThat(ann.locator("#peers li")).hasCount(0);
            assertThat(bob.locator("#peers li")).hasCount(0);
            assertThat(bob.locator("#status")).containsText("Waiting for the other person");
            final String bobId = (String) bob.evaluate("switchboard.id()");
            assertTrue(fixture.node().relay().sessionsOf(bobId).isEmpty());
        } finally {
            injectIntoNonces = false;
        }
    }

    /**
     * The "malicious node": the real signaling service, then a swapped DTLS fingerprint (and, when
     * asked, a fingerprint line smuggled into announcement nonces).
     */
    static final class FingerprintSwapper extends ForwardingSignalingInterceptor {
        private final JsonMapper mapper = JsonMapper.builder().build();

        FingerprintSwapper(final SignalingInterceptor honest) {
            super(honest);
        }

        @Override
        public @NotNull CompletableFuture<Verdict> inspect(final @NotNull SignalingMessage message) {
            return delegate().inspect(message).thenApply(verdict -> tamper(message, verdict));
        }

        private Verdict tamper(final SignalingMessage message, final Verdict verdict) {
            if (injectIntoNonces && verdict instanceof Verdict.Forward) {
                return smuggleIntoNonce(message.payload(), verdict);
            }
            if (injectIntoNonces && verdict instanceof Verdict.Rewrite joinWithKey
                    && !json(joinWithKey.payload()).has("sdp")) {
                // the node adds the sender's proven key to a join or hello that left it out
                return smuggleIntoNonce(joinWithKey.payload(), verdict);
            }
            if (!(verdict instanceof Verdict.Rewrite rewrite)) {
                return verdict;
            }
            try {
                final ObjectNode json = (ObjectNode) mapper.readTree(rewrite.payload());
                if (!json.path("sdp").isTextual()) {
                    return verdict; // a rewritten join or hello (the node trims them): no description
                }
                final Matcher m = FINGERPRINT.matcher(json.get("sdp").asText());
                if (!m.find()) {
                    return verdict;
                }
                // The attacker's own certificate would have another fingerprint: flip the first byte.
                final String original = m.group(1);
                final String forged = (original.startsWith("00") ? "01" : "00") + original.substring(2);
                json.put("sdp", json.get("sdp").asText().replace(original, forged));
                tampered.incrementAndGet();
                if ("offer".equals(json.path("type").asText())) {
                    firstOfferFrom.compareAndSet(null, message.senderId());
                }
                return Verdict.rewrite(mapper.writeValueAsBytes(json));
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private ObjectNode json(final byte[] payload) {
            try {
                return (ObjectNode) mapper.readTree(payload);
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private Verdict smuggleIntoNonce(final byte[] payload, final Verdict verdict) {
            try {
                final ObjectNode json = (ObjectNode) mapper.readTree(payload);
                if (!json.has("nonce")) {
                    return verdict;
                }
                json.put("nonce", json.get("nonce").asText() + "\nsha-256 "
                        + "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
                return Verdict.rewrite(mapper.writeValueAsBytes(json));
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
