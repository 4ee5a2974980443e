package dev.switchboard.node.access;

import org.jetbrains.annotations.NotNull;

import java.time.Duration;
import java.util.Objects;

/**
 * When an address counts as a scanner and is refused everywhere (web pages, broker, STUN): after
 * {@code unknownPaths} requests for paths the node does not serve, or {@code failedProofs} failed
 * key proofs at the broker, within {@code window}. It is then refused for {@code blockFor}.
 *
 * @param unknownPaths requests for unknown paths (404s) within the window that block, 1..10000.
 *                     Default 10 (a person who mistypes a link a few times stays well below it).
 * @param failedProofs failed key proofs within the window that block, 1..10000. Default 5.
 * @param window       how far back the counts reach, 1 s..24 h. Default 10 min.
 * @param blockFor     how long a blocked address stays refused, 1 s..30 d. Default 1 h.
 */
public record ScannerRules(int unknownPaths, int failedProofs, @NotNull Duration window,
                           @NotNull Duration blockFor) {

    /** The defaults, as documented on each component. */
    public static final @NotNull ScannerRules DEFAULTS =
            new ScannerRules(10, 5, Duration.ofMinutes(10), Duration.ofHours(1));

    /** @throws IllegalArgumentException naming the value out of range */
    public ScannerRules {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(blockFor, "blockFor");
        if (unknownPaths < 1 || unknownPaths > 10_000 || failedProofs < 1 || failedProofs > 10_000) {
            throw new IllegalArgumentException("scanner thresholds must be 1..10000: unknownPaths " + unknownPaths
                    + ", failedProofs " + failedProofs);
        }
        if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofHours(24)) > 0) {
            throw new IllegalArgumentException("the scanner window must be 1 s..24 h: " + window);
        }
        if (blockFor.compareTo(Duration.ofSeconds(1)) < 0 || blockFor.compareTo(Duration.ofDays(30)) > 0) {
            throw new IllegalArgumentException("the block duration must be 1 s..30 d: " + blockFor);
        }
    }
}
