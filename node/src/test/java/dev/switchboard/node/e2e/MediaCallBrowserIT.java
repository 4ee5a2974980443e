package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.switchboard.node.Node;
import dev.switchboard.node.relay.RelaySession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Audio and video in real Chromium with its fake camera and microphone, through the node's relay:
 * a video call decodes frames and receives audio, muting falls to silence, the camera goes off
 * and on without a renegotiation, video is added to a text-only session with a new signed offer
 * through the node, the stats panel reads the call, and pages offer only what both can do.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MediaCallBrowserIT {

    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), true, "/", "46550-46599", "90s");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stats(final Page page, final String peerId) {
        return (Map<String, Object>) page.evaluate("(id) => switchboard.stats(id)", peerId);
    }

    private static double number(final Map<String, Object> m, final String key) {
        final Object v = m.get(key);
        return v instanceof Number n ? n.doubleValue() : 0;
    }

    @SuppressWarnings("unchecked")
    private static int negotiations(final Page page, final String peerId) {
        final Map<String, Object> n = (Map<String, Object>) page.evaluate("(id) => switchboard.negotiation(id)", peerId);
        return ((Number) n.get("offersSent")).intValue() + ((Number) n.get("answersSent")).intValue();
    }

    @Test
    void videoCall_framesAndAudioOverRelay_muteIsSilence_cameraOffOnWithoutRenegotiation() {
        try (BrowserContext ann = fixture.browsers().newContext(); BrowserContext bob = fixture.browsers().newContext()) {
            final Page a = Pages.join(ann, fixture.node(), "Ann", "moving pictures");
            final Page b = Pages.join(bob, fixture.node(), "Bob", "moving pictures");
            assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            final String annId = (String) a.evaluate("switchboard.id()");
            final String bobId = (String) b.evaluate("switchboard.id()");
            assertThat(a.locator("#video-call")).isVisible();

            a.click("#video-call");
            // Bob decodes Ann's frames and receives her audio, over the relay.
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                final Map<String, Object> s = stats(b, annId);
                return s != null && number(s, "framesDecoded") > 10 && number(s, "audioBytesReceived") > 0;
            });
            final Map<String, Object> s = stats(b, annId);
            assertEquals(Boolean.TRUE, s.get("relayed"), s.toString());
            assertThat(b.locator("#stage")).isVisible();
            // Opus with in-band FEC, as the offer asked.
            final String sdp = (String) ((Map<String, Object>) b.evaluate("(id) => switchboard.negotiation(id)", annId)).get("remote");
            assertTrue(sdp.contains("useinbandfec=1"), "Opus FEC in the offer");

            // Bob's stats panel reads the call: relayed, a round trip, video, codecs, sparklines.
            b.click("#stats-toggle");
            assertThat(b.locator("#stat-route")).containsText("relayed by the node", Pages.WAIT);
            assertThat(b.locator("#stat-video")).containsText("fps", Pages.WAIT);
            assertThat(b.locator("#stat-codecs")).containsText("opus", Pages.WAIT);
            assertThat(b.locator("#stat-rtt")).containsText("ms", Pages.WAIT);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    ((String) b.evaluate("document.querySelector('#spark-bitrate polyline').getAttribute('points')")).split(" ").length >= 3);
            Screens.shoot(b, "video-call-with-stats", "#stage", "#stats", "#stat-route", "#stats-toggle");

            // Ann mutes: Bob's audio falls to silence.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> number(stats(b, annId), "audioLevel") > 0.001);
            final int before = negotiations(a, bobId) + negotiations(b, annId);
            a.click("#mute");
            assertThat(a.locator("#mute")).hasAttribute("aria-pressed", "true");
            // Silence: no audio energy arrives across three polls a second apart (the fake microphone beeps
            // several times a second while it is on).
            final double[] energy = {-1, 0};
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1000)).until(() -> {
                final Map<String, Object> now = stats(b, annId);
                final boolean silent = number(now, "audioLevel") < 0.0005 && number(now, "audioEnergy") - energy[0] < 1e-6;
                energy[0] = number(now, "audioEnergy");
                energy[1] = silent ? energy[1] + 1 : 0;
                return energy[1] >= 3;
            });

            // Camera off, then on: Bob's frames stop and come back, with no new offer or answer.
            a.click("#camera");
            assertThat(a.locator("#camera")).hasText("Camera on");
            final double[] frames = {-1};
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1500)).until(() -> {
                final double f = number(stats(b, annId), "framesDecoded");
                final boolean stopped = f == frames[0];
                frames[0] = f;
                return stopped;
            });
            a.click("#camera");
            assertThat(a.locator("#camera")).hasText("Camera off");
            final double frozenAt = number(stats(b, annId), "framesDecoded");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> number(stats(b, annId), "framesDecoded") > frozenAt + 10);
            assertEquals(before, negotiations(a, bobId) + negotiations(b, annId), "mute and camera need no renegotiation");

            // Quality: 360p caps the sender's bitrate without renegotiating either.
            a.selectOption("#quality", "360p");
            await().atMost(Duration.ofSeconds(30)).until(() -> (Boolean) a.evaluate(
                    "(id) => { const s = switchboard.media(); return s.quality === '360p'; }", bobId));
            assertEquals(before, negotiations(a, bobId) + negotiations(b, annId));
        }
    }

    @Test
    void videoAddedToTextSession_newSignedOfferThroughNode_staysRelayed() {
        try (BrowserContext ann = fixture.browsers().newContext(); BrowserContext bob = fixture.browsers().newContext()) {
            final Page a = Pages.join(ann, fixture.node(), "Ann", "words first");
            final Page b = Pages.join(bob, fixture.node(), "Bob", "words first");
            assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            Pages.send(a, "text only so far");
            assertThat(b.locator("#log")).containsText("Ann: text only so far", Pages.WAIT);
            final String annId = (String) a.evaluate("switchboard.id()");
            final String bobId = (String) b.evaluate("switchboard.id()");
            final int offersBefore = negotiations(a, bobId) + negotiations(b, annId);

            // A voice call first, then video added to it: each a new signed offer through the node.
            a.click("#voice-call");
            assertThat(a.locator("#add-video")).isVisible(new com.microsoft.playwright.assertions.LocatorAssertions
                    .IsVisibleOptions().setTimeout(30_000));
            await().atMost(Duration.ofSeconds(60)).until(() -> number(stats(b, annId), "audioBytesReceived") > 0);
            a.click("#add-video");
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> number(stats(b, annId), "framesDecoded") > 10);
            assertTrue(negotiations(a, bobId) + negotiations(b, annId) >= offersBefore + 4,
                    "two more offer/answer exchanges");
            // Still verified (each description's signature checked), still relayed.
            assertThat(b.locator("#peers li[data-state=connected]")).hasCount(1);
            assertThat(a.locator("#peers li[data-state=refused]")).hasCount(0);
            assertEquals(Boolean.TRUE, stats(b, annId).get("relayed"));
            assertEquals(Boolean.TRUE, stats(a, bobId).get("relayed"));
            // The offer Bob applied has video, and its only candidate is the node's relay port for Ann.
            @SuppressWarnings("unchecked")
            final String remote = (String) ((Map<String, Object>) b.evaluate("(id) => switchboard.negotiation(id)", annId)).get("remote");
            assertTrue(remote.contains("m=video"), remote);
            final RelaySession session = fixture.node().relay().sessionsOf(annId).get(0);
            final InetSocketAddress forAnn = session.advertisedAddress(annId);
            for (final String line : remote.split("\r\n")) {
                if (line.startsWith("a=candidate:")) {
                    assertTrue(line.contains(" " + forAnn.getAddress().getHostAddress() + " " + forAnn.getPort() + " "), line);
                }
            }
            Pages.send(b, "I can see you");
            assertThat(a.locator("#log")).containsText("Bob: I can see you", Pages.WAIT);
        }
    }

    @Test
    void peerWithoutMedia_onlyWhatBothSupportIsOffered() {
        try (BrowserContext ann = fixture.browsers().newContext(); BrowserContext bob = fixture.browsers().newContext()) {
            final Page a = Pages.join(ann, fixture.node(), "Ann", "files only please");
            final Page b = Pages.join(bob, fixture.node(), "Bob", "files only please", "{ caps: ['FILE'] }");
            assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            // Bob's page said it takes files only: Ann is offered files, not calls.
            assertThat(a.locator("#file-pick")).hasAttribute("aria-disabled", "false", new com.microsoft.playwright.assertions
                    .LocatorAssertions.HasAttributeOptions().setTimeout(30_000));
            assertThat(a.locator("#voice-call")).isHidden();
            assertThat(a.locator("#video-call")).isHidden();
            assertThat(b.locator("#video-call")).isHidden();
            assertFalse(a.locator("#quality").isVisible());
        }
    }
}
