package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;

import java.net.InetAddress;

/**
 * The node's say on who may use the web server, by source address (its allow-lists and scanner
 * blocking), and what it learns from the requests: every path answered 404 is reported, so a
 * scanner can be blocked. A refused request is answered exactly as a request for an unknown path
 * (the same 404, headers and body), so from outside a refusal cannot be told from a miss.
 *
 * <p>Called on Netty I/O threads for every request: implementations must be thread-safe, quick,
 * and never block.
 */
public interface WebGate {

    /** Admits every address and ignores unknown paths. */
    @NotNull WebGate OPEN = new WebGate() {
        @Override
        public boolean admits(final @NotNull InetAddress address) {
            return true;
        }

        @Override
        public void unknownPath(final @NotNull InetAddress address, final @NotNull String path) {
        }
    };

    /**
     * @param address a request's source address
     * @return whether the request may be served; {@code false} answers it as an unknown path
     */
    boolean admits(@NotNull InetAddress address);

    /**
     * A request from {@code address} was answered 404.
     *
     * @param path the request target as sent (untrusted)
     */
    void unknownPath(@NotNull InetAddress address, @NotNull String path);
}
