package dev.switchboard.node.e2e;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import org.jetbrains.annotations.NotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Debian's headless Chromium driven by Playwright for Java, set up for WebRTC tests on loopback:
 * fake media devices without prompts, loopback candidates allowed, no background traffic, and the
 * node's self-signed certificate accepted. Tests that use it run inside the loopback-only network
 * namespace that failsafe's JVM wrapper creates.
 */
final class Browsers implements AutoCloseable {

    /** Debian's Chromium; Playwright's own browser download is never used. */
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private final Playwright playwright;
    private final Browser browser;
    private final boolean acceptAnyCertificate;

    Browsers() {
        this(CHROMIUM);
    }

    /** @param executable Chromium, or a wrapper that runs it (e.g. inside a network namespace) */
    Browsers(final Path executable) {
        this(executable, true);
    }

    /**
     * @param executable           Chromium, or a wrapper that runs it
     * @param acceptAnyCertificate accept the node's self-signed certificate (every other test), or
     *                             check certificates as a person's browser does: one nobody trusts
     *                             fails the connection (the certificate error screen)
     */
    Browsers(final Path executable, final boolean acceptAnyCertificate) {
        this(executable, acceptAnyCertificate, List.of());
    }

    /**
     * A Chromium that trusts the certificates with these keys as a browser does a certificate
     * installed by its user: no certificate error at all, so it keeps answers in its HTTP cache
     * (Chromium stores nothing from an origin whose certificate errors it was told to ignore, so a
     * page there is fetched whole on every load). Chromium honours the list only with a user data
     * directory, which Playwright always gives it.
     *
     * @param spkiSha256 base64 of the SHA-256 of each trusted certificate's SubjectPublicKeyInfo
     */
    static @NotNull Browsers trusting(final @NotNull List<String> spkiSha256) {
        return new Browsers(CHROMIUM, false, spkiSha256);
    }

    private Browsers(final Path executable, final boolean acceptAnyCertificate, final List<String> trustedSpki) {
        this.acceptAnyCertificate = acceptAnyCertificate;
        if (!Files.isExecutable(CHROMIUM)) {
            throw new IllegalStateException(CHROMIUM + " is missing: install Debian's chromium package");
        }
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        final List<String> args = new ArrayList<>(List.of(
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                "--allow-loopback-in-peer-connection",
                "--autoplay-policy=no-user-gesture-required"));
        if (acceptAnyCertificate) {
            args.add("--ignore-certificate-errors");
        }
        if (!trustedSpki.isEmpty()) {
            args.add("--ignore-certificate-errors-spki-list=" + String.join(",", trustedSpki));
        }
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(executable)
                .setHeadless(true)
                .setArgs(args));
    }

    /** @return a new isolated context (its own IndexedDB, localStorage and identity). */
    @NotNull BrowserContext newContext() {
        return browser.newContext(new Browser.NewContextOptions().setIgnoreHTTPSErrors(acceptAnyCertificate));
    }

    @Override
    public void close() {
        try {
            browser.close();
        } finally {
            playwright.close();
        }
    }
}
