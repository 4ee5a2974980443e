package dev.switchboard.broker;

import dev.switchboard.broker.identity.PeerIds;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Map;
import java.util.Objects;

/**
 * The node's own clients by peer id, with their wider rights ({@link PeerRole}): a live directory
 * that the authenticator asks at every CONNECT, and that {@link EmbeddedBroker#updateTrustedPeers}
 * replaces while the broker runs (a configuration reload). Each entry is a 43-character peer id
 * (base64url of the key's SHA-256, see {@link PeerIds}).
 *
 * <p>Thread-safe: readers see either the whole old or the whole new set, never a mix.
 */
public final class TrustedPeers {

    private volatile Map<String, PeerRole> roles;

    private TrustedPeers(final Map<String, PeerRole> roles) {
        this.roles = roles;
    }

    /**
     * @param roles peer id to role; copied.
     * @return a directory holding {@code roles}.
     * @throws IllegalArgumentException if an id is not a 43-character base64url peer id.
     * @throws NullPointerException     if a role is null.
     */
    public static @NotNull TrustedPeers of(final @NotNull Map<String, PeerRole> roles) {
        return new TrustedPeers(validated(roles));
    }

    /**
     * @param peerId a verified client id.
     * @return its role, or {@code null} for an ordinary client (a browser).
     */
    public @Nullable PeerRole get(final @NotNull String peerId) {
        return roles.get(peerId);
    }

    /** @return whether no peer is trusted. */
    public boolean isEmpty() {
        return roles.isEmpty();
    }

    /** @return the current entries, an immutable snapshot. */
    public @NotNull Map<String, PeerRole> asMap() {
        return roles;
    }

    /**
     * Replaces every entry at once.
     *
     * @param next the new entries; copied.
     * @return the entries it replaced.
     * @throws IllegalArgumentException if an id is not a peer id (nothing is replaced then).
     */
    @NotNull Map<String, PeerRole> replace(final @NotNull Map<String, PeerRole> next) {
        final Map<String, PeerRole> checked = validated(next);
        synchronized (this) {
            final Map<String, PeerRole> previous = roles;
            roles = checked;
            return previous;
        }
    }

    private static Map<String, PeerRole> validated(final Map<String, PeerRole> roles) {
        for (final Map.Entry<String, PeerRole> e : roles.entrySet()) {
            if (!PeerIds.isValid(e.getKey())) {
                throw new IllegalArgumentException("trusted peer id must be 43 base64url chars: " + e.getKey());
            }
            Objects.requireNonNull(e.getValue(), "role of trusted peer " + e.getKey());
        }
        return Map.copyOf(roles);
    }

    @Override
    public String toString() {
        return "TrustedPeers" + roles;
    }
}
