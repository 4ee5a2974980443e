package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.switchboard.node.Node;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.List;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

/** What a person does on the web client's page, for the browser tests. */
final class Pages {
    /** How long a page may take to show what a test waits for. */
    static final LocatorAssertions.ContainsTextOptions WAIT =
            new LocatorAssertions.ContainsTextOptions().setTimeout(30_000);
    /** The same, for counting elements. */
    static final LocatorAssertions.HasCountOptions COUNT =
            new LocatorAssertions.HasCountOptions().setTimeout(30_000);

    private Pages() {
    }

    /**
     * Checks that the page, once it has read the node's description, asked for
     * {@code node-info.json} exactly once, by its {@code <link rel="preload">} (fetched beside the
     * modules) and not again by the page's own fetch: the preload's answer was the one used.
     */
    static void assertNodeInfoPreloaded(final @NotNull Page page) {
        final Object entries = page.evaluate("() => performance.getEntriesByType('resource')"
                + ".filter((e) => new URL(e.name).pathname.endsWith('/node-info.json')).map((e) => e.initiatorType)");
        if (!List.of("link").equals(entries)) {
            throw new AssertionError("node-info.json asked for as " + entries + ", not once by the page's preload");
        }
    }

    /** Opens the node's page, waits until it is ready, and joins the room of {@code word}. */
    static @NotNull Page join(final @NotNull BrowserContext context, final @NotNull Node node,
                              final @NotNull String name, final @NotNull String word) {
        return join(context, node.url(), name, word);
    }

    /** Opens the web client at {@code url}, waits until it is ready, and joins the room of {@code word}. */
    static @NotNull Page join(final @NotNull BrowserContext context, final @NotNull String url,
                              final @NotNull String name, final @NotNull String word) {
        return join(context, url, name, word, null);
    }

    /**
     * Like {@link #join(BrowserContext, Node, String, String)}, with the page's options set before
     * its scripts run, e.g. {@link #MANUAL_START}.
     */
    static @NotNull Page join(final @NotNull BrowserContext context, final @NotNull Node node,
                              final @NotNull String name, final @NotNull String word,
                              final @Nullable String options) {
        return join(context, node.url(), name, word, options);
    }

    /**
     * Page options that leave starting sessions to the test ({@code switchboard.startSession}):
     * members meet, and nobody offers until told to.
     */
    static final String MANUAL_START = "{ autoStart: false }";

    /**
     * Opens the node's page with {@code options} (or none) set before its scripts run, and waits
     * until it is ready, without joining.
     */
    static @NotNull Page open(final @NotNull BrowserContext context, final @NotNull Node node,
                              final @Nullable String options) {
        return open(context, node.url(), "page", options);
    }

    /** Joins the room of {@code word} from a page {@link #open opened} before. */
    static void enter(final @NotNull Page page, final @NotNull String name, final @NotNull String word) {
        page.fill("#name", name);
        page.fill("#word", word);
        page.click("#join");
    }

    private static @NotNull Page join(final @NotNull BrowserContext context, final @NotNull String url,
                                      final @NotNull String name, final @NotNull String word,
                                      final @Nullable String options) {
        final Page page = open(context, url, name, options);
        enter(page, name, word);
        return page;
    }

    /** Opens {@code url} with {@code options}, printing its console errors and warnings under {@code label}. */
    private static @NotNull Page open(final @NotNull BrowserContext context, final @NotNull String url,
                                      final @NotNull String label, final @Nullable String options) {
        final Page page = context.newPage();
        if (options != null) {
            page.addInitScript("window.switchboardOptions = " + options + ";");
        }
        page.onConsoleMessage(m -> {
            if ("error".equals(m.type()) || "warning".equals(m.type())) {
                System.out.println("[" + label + " console " + m.type() + "] " + m.text());
            }
        });
        page.navigate(url);
        assertThat(page.locator("#status")).containsText("Ready", WAIT);
        return page;
    }

    /** Types a chat line and sends it. */
    static void send(final @NotNull Page page, final @NotNull String text) {
        page.fill("#message", text);
        page.click("#send");
    }
}
