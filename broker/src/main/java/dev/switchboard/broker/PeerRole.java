package dev.switchboard.broker;

/**
 * Wider topic rights for the node's own clients, configured by peer id in
 * {@link BrokerSettings#trustedPeers()}. Trusted peers authenticate with the same
 * {@code sb-key-v1} challenge-response as browsers.
 */
public enum PeerRole {
    /**
     * Another node's federation bridge: may subscribe and publish anywhere under {@code sb/v1/}
     * (wildcards allowed), never {@code $SYS}/{@code $share}, never retained. A {@code sb-sender}
     * user property it supplies is kept when it is a valid peer id (the bridge vouches for the
     * remote sender); otherwise the bridge's own id is stamped.
     */
    FEDERATION,
    /**
     * An admin or monitoring tool: the same topic rights as {@link #FEDERATION}, but its
     * publishes are always stamped with its own id.
     */
    ADMIN
}
