package dev.switchboard.node.access;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.net.InetAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * One bad attempt, as the super-admin's page lists it.
 *
 * @param time    when it happened (the first of a burst, see {@link AccessEvents})
 * @param kind    what happened
 * @param address the source address, when known
 * @param country its country code, when a database knows it
 * @param detail  a short description: the unknown admin or user name, the path, the listener
 *                (untrusted text, shortened; the page shows it as text, never as markup)
 * @param count   how many such attempts from this address the entry stands for (1 or more)
 */
public record AccessEvent(@NotNull Instant time, @NotNull Kind kind, @Nullable InetAddress address,
                          @Nullable String country, @NotNull String detail, long count) {

    /** The kinds of bad attempt. */
    public enum Kind {
        /** A lobby request for an admin name that is not configured. */
        UNKNOWN_ADMIN("unknown-admin"),
        /** A lobby request with a name not on the admin's permitted list. */
        UNPERMITTED_NAME("unpermitted-name"),
        /** A web request for a path the node does not serve (wrong admin paths included). */
        UNKNOWN_PATH("unknown-path"),
        /** A connection or request refused by the allow-lists or because its address is blocked. */
        REFUSED_CONNECTION("refused-connection"),
        /** A failed key proof at the broker. */
        FAILED_KEY_PROOF("failed-key-proof"),
        /** An address reached a scanner threshold and is blocked from now on. */
        BLOCKED("blocked");

        private final String label;

        Kind(final String label) {
            this.label = label;
        }

        /** @return the wire name used in the admin page's JSON, e.g. {@code unknown-path} */
        public @NotNull String label() {
            return label;
        }
    }

    public AccessEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }
}
