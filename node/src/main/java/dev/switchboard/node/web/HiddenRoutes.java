package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * Routes whose paths are secrets (the admins' pages): asked for every request below the prefix,
 * before the exact routes and the static files. An implementation must find its route in time
 * that does not depend on how close the requested path is to a secret one (compare in constant
 * time, and always do the same work), and answer {@code null} for every other path, which then
 * gets exactly what any other request gets: the static file, or the same 404.
 *
 * <p>Called on Netty I/O threads: thread-safe, quick, never blocking.
 */
@FunctionalInterface
public interface HiddenRoutes {

    /** No hidden routes. */
    @NotNull HiddenRoutes NONE = path -> null;

    /**
     * @param path the decoded request path relative to the prefix, starting with {@code /}
     *             (untrusted)
     * @return the handler for it, or {@code null} when it is not a hidden route
     */
    @Nullable RouteHandler find(@NotNull String path);
}
