package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;

/**
 * Answers requests for one exact path registered with {@link WebServer#addRoute}. Called on a
 * Netty I/O thread, possibly concurrently for different connections: it must be thread-safe, fast
 * and must not block (no file or network I/O; hand such work to another thread and answer from
 * state). Any method reaches the handler; it answers 405 itself for the ones it does not support.
 * A thrown exception becomes a 500 answer and is logged; the server keeps serving.
 */
@FunctionalInterface
public interface RouteHandler {

    /**
     * @param request the request, with the path relative to the server's prefix
     * @return the response
     */
    @NotNull WebResponse handle(@NotNull WebRequest request);
}
