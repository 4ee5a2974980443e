package dev.switchboard.node.stun;

import java.net.InetSocketAddress;
import org.jetbrains.annotations.NotNull;

/**
 * Told about every source address the STUN service answered, e.g. to let the relay treat it as
 * proven (see {@code dev.switchboard.node.relay.ProvenAddresses#markProven}).
 *
 * <p>Threading: called on the STUN service's I/O thread, once per answered request; must be
 * quick and must not block. Exceptions are caught and logged, and do not stop the service.
 */
@FunctionalInterface
public interface StunBindingListener {
    /** A listener that does nothing. */
    StunBindingListener NONE = source -> { };

    /** @param source the address the Binding request came from (the one we reported back) */
    void bindingAnswered(@NotNull InetSocketAddress source);
}
