package dev.switchboard.node.sdp;

import java.util.List;
import java.util.Objects;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * A parsed {@code m=} line (RFC 8866 §5.14):
 * {@code m=<media> <port>[/<number of ports>] <proto> <fmt> ...}.
 *
 * @param media     media type token, e.g. {@code audio}, {@code video}, {@code application}
 * @param port      0..65535; 0 means the section is rejected or bundle-only (RFC 8843 §6)
 * @param portCount the optional {@code /<number of ports>}, or {@code null} when absent
 * @param proto     transport protocol, e.g. {@code UDP/TLS/RTP/SAVPF}, {@code UDP/DTLS/SCTP}
 * @param formats   one or more format tokens (RTP payload types 0-127 for RTP protocols)
 */
public record MediaLine(@NotNull String media, int port, @Nullable Integer portCount, @NotNull String proto,
        @NotNull List<String> formats) {

    public MediaLine {
        Objects.requireNonNull(media, "media");
        Objects.requireNonNull(proto, "proto");
        formats = List.copyOf(formats);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
    }

    /** @return the {@code m=} value built from the fields, single spaces */
    public @NotNull String toSdpValue() {
        return media + " " + port + (portCount == null ? "" : "/" + portCount) + " " + proto + " "
                + String.join(" ", formats);
    }

    /** @return a copy with another port, everything else unchanged */
    public @NotNull MediaLine withPort(final int newPort) {
        return new MediaLine(media, newPort, portCount, proto, formats);
    }
}
