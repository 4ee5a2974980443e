package dev.switchboard.node.sdp;

import java.util.Objects;

import org.jetbrains.annotations.NotNull;

/**
 * The parsed {@code o=} line (RFC 8866 §5.2):
 * {@code o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>}.
 *
 * <p>JSEP (RFC 9429 §5.2.1) gives the address no meaning; browsers write {@code IN IP4 127.0.0.1}
 * or {@code 0.0.0.0}. {@link SdpRewriter#relay} replaces it.
 *
 * @param username       e.g. {@code "-"}
 * @param sessionId      numeric session id, as text (it may exceed a long)
 * @param sessionVersion numeric session version, as text
 * @param netType        {@code "IN"}
 * @param addrType       e.g. {@code "IP4"}
 * @param address        the unicast address as written
 */
public record Origin(@NotNull String username, @NotNull String sessionId, @NotNull String sessionVersion,
        @NotNull String netType, @NotNull String addrType, @NotNull String address) {

    public Origin {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(sessionVersion, "sessionVersion");
        Objects.requireNonNull(netType, "netType");
        Objects.requireNonNull(addrType, "addrType");
        Objects.requireNonNull(address, "address");
    }

    /** @return the {@code o=} value: the six fields separated by single spaces */
    public @NotNull String toSdpValue() {
        return String.join(" ", username, sessionId, sessionVersion, netType, addrType, address);
    }
}
