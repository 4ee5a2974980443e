package dev.switchboard.node.e2e;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.ViewportSize;
import org.jetbrains.annotations.NotNull;

import java.nio.file.Path;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

/**
 * Screenshots of the web client's main screens, at a desktop and a phone size, for people
 * reading the build's output ({@code node/target/screenshots/}); each one checks first that what
 * the screen is about is visible at that size.
 */
final class Screens {
    /** A laptop screen. */
    static final ViewportSize DESKTOP = new ViewportSize(1280, 800);
    /** A common phone (CSS pixels). */
    static final ViewportSize PHONE = new ViewportSize(390, 844);

    private Screens() {
    }

    /**
     * Writes {@code target/screenshots/<name>-desktop.png} and {@code <name>-phone.png}, checking
     * at each size that every selector matches a visible element (scrolled into view first). The
     * page's viewport is restored afterwards.
     */
    static void shoot(final @NotNull Page page, final @NotNull String name, final @NotNull String... visible) {
        final ViewportSize before = page.viewportSize();
        try {
            for (final var size : new ViewportSize[] {DESKTOP, PHONE}) {
                page.setViewportSize(size.width, size.height);
                for (final String selector : visible) {
                    final var element = page.locator(selector).first();
                    element.scrollIntoViewIfNeeded();
                    assertThat(element).isVisible();
                }
                final String suffix = size == DESKTOP ? "desktop" : "phone";
                page.screenshot(new Page.ScreenshotOptions().setFullPage(true)
                        .setPath(Path.of("target", "screenshots", name + "-" + suffix + ".png")));
            }
        } finally {
            if (before != null) {
                page.setViewportSize(before.width, before.height);
            }
        }
    }
}
