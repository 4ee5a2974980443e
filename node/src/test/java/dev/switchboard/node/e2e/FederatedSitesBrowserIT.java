package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.switchboard.node.federation.NodeProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two sites in network namespaces this test creates (and removes): site 1 holds node 1 and
 * browser A, site 2 node 2 and browser B; the only link between the sites is a veth pair between
 * the two nodes' addresses (192.0.2.1 and 192.0.2.2, TEST-NET-1, which exist only inside these
 * namespaces). They meet by word and chat; each browser's selected remote candidate is its own
 * node's relay and both relays count packets, so nothing went direct. Needs root in the test's
 * namespace (failsafe's loopback-only namespace gives it: as root, or mapped root in a user
 * namespace) to create namespaces and veth pairs.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FederatedSitesBrowserIT {

    private static final String SITE1 = "192.0.2.1";
    private static final String SITE2 = "192.0.2.2";

    @TempDir
    Path dir;
    private final List<Process> holders = new ArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void removeSites() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        for (final Process p : holders) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // the namespace and its veth end go with it
        }
    }

    private static void run(final String... command) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
    }

    /** @return the pid of a process that holds a new, empty network namespace (a site). */
    private long site() throws IOException {
        final Process holder = new ProcessBuilder("unshare", "--net", "sleep", "600").start();
        holders.add(holder);
        return holder.pid();
    }

    private static String ns(final long pid) {
        return "--net=/proc/" + pid + "/ns/net";
    }

    private Browsers browserIn(final long pid) throws IOException {
        final Path wrapper = dir.resolve("chromium-in-" + pid);
        Files.writeString(wrapper, "#!/bin/sh\nexec nsenter " + ns(pid) + " " + Browsers.CHROMIUM + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        final Browsers b = new Browsers(wrapper);
        open.add(b);
        return b;
    }

    @Test
    void twoSites_onlyTheNodesConnected_browsersChatThroughBothRelays() throws Exception {
        final long s1 = site();
        final long s2 = site();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(Path.of("/proc/" + s2 + "/ns/net")));
        final String a = "fed" + s1;
        final String b = "fed" + s2;
        run("ip", "link", "add", a, "type", "veth", "peer", "name", b);
        run("ip", "link", "set", a, "netns", String.valueOf(s1));
        run("ip", "link", "set", b, "netns", String.valueOf(s2));
        run("nsenter", ns(s1), "sh", "-c", "ip link set lo up && ip addr add " + SITE1 + "/30 dev " + a
                + " && ip link set " + a + " up");
        run("nsenter", ns(s2), "sh", "-c", "ip link set lo up && ip addr add " + SITE2 + "/30 dev " + b
                + " && ip link set " + b + " up");

        final NodeProcess n1 = new NodeProcess(dir, "site1", "46940-46959").inNamespace(s1, SITE1);
        final NodeProcess n2 = new NodeProcess(dir, "site2", "46960-46979").inNamespace(s2, SITE2);
        open.add(n1);
        open.add(n2);
        n1.start();
        n2.start();
        n1.peerAddresses(Map.of(n2.id, SITE2 + ":" + n2.federationPort));
        n2.peerAddresses(Map.of(n1.id, SITE1 + ":" + n1.federationPort));
        await().atMost(Duration.ofSeconds(90)).until(() -> n1.linkUp(n2) && n2.linkUp(n1));

        try (BrowserContext ann = browserIn(s1).newContext(); BrowserContext bob = browserIn(s2).newContext()) {
            final Page pa = Pages.join(ann, n1.url(), "Ann", "across the sites");
            final Page pb = Pages.join(bob, n2.url(), "Bob", "across the sites");
            assertThat(pa.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(pb.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            Pages.send(pa, "hello from site 1");
            assertThat(pb.locator("#log")).containsText("Ann: hello from site 1", Pages.WAIT);
            Pages.send(pb, "hello from site 2");
            assertThat(pa.locator("#log")).containsText("Bob: hello from site 2", Pages.WAIT);

            assertRemote(pa, (String) pb.evaluate("switchboard.id()"), SITE1, 46940, 46959);
            assertRemote(pb, (String) pa.evaluate("switchboard.id()"), SITE2, 46960, 46979);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    n1.metric("switchboard_relay_packets_total") > 0 && n2.metric("switchboard_relay_packets_total") > 0);
        }
    }

    @SuppressWarnings("unchecked")
    private static void assertRemote(final Page page, final String peerId, final String host, final int first,
                                     final int last) {
        final Map<String, Object> route = (Map<String, Object>) page.evaluate(
                "async (id) => (await switchboard.peers()).find(p => p.id === id).route", peerId);
        assertNotNull(route, "no selected candidate pair");
        assertEquals(host, route.get("remoteAddress"), route.toString());
        final int port = ((Number) route.get("remotePort")).intValue();
        assertTrue(port >= first && port <= last, "remote port " + port + " is not its own node's relay: " + route);
    }
}
