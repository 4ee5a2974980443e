package dev.switchboard.node.sdp;

import java.util.Objects;

import org.jetbrains.annotations.NotNull;

/**
 * A parsed {@code c=} line (RFC 8866 §5.7): {@code c=<nettype> <addrtype> <connection-address>}.
 *
 * @param netType  {@code "IN"} for the Internet
 * @param addrType {@code "IP4"} or {@code "IP6"} (other tokens are kept as written)
 * @param address  the connection address as written (it may carry a multicast {@code /ttl})
 */
public record ConnectionData(@NotNull String netType, @NotNull String addrType, @NotNull String address) {

    public ConnectionData {
        Objects.requireNonNull(netType, "netType");
        Objects.requireNonNull(addrType, "addrType");
        Objects.requireNonNull(address, "address");
    }

    /** @return the {@code c=} value, e.g. {@code "IN IP4 192.0.2.1"} */
    public @NotNull String toSdpValue() {
        return netType + " " + addrType + " " + address;
    }
}
