package dev.switchboard.node.relay;

import java.net.InetSocketAddress;
import org.jetbrains.annotations.NotNull;

/**
 * Which endpoints are the node's own: the relay never accepts one as a proven source (so never
 * sends to one), whatever check it sends. See {@link NodeEndpoints} for the node's rule.
 *
 * <p>Implementations are thread-safe, allocate nothing and never block.
 */
@FunctionalInterface
public interface OwnEndpoints {

    /** No endpoint is the node's own; for tests of rules that do not concern it. */
    @NotNull OwnEndpoints NONE = endpoint -> false;

    /**
     * @param endpoint a datagram's source address
     * @return whether it is one of the node's own endpoints
     */
    boolean isOwn(@NotNull InetSocketAddress endpoint);
}
