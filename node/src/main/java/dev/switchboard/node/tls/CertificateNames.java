package dev.switchboard.node.tls;

import dev.switchboard.node.config.IpLiteral;
import dev.switchboard.node.config.NodeConfig;
import org.jetbrains.annotations.NotNull;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The subject alternative names of the node's self-signed certificate (RFC 5280 §4.2.1.6):
 * {@code localhost}, {@code 127.0.0.1} and {@code ::1} always; {@code publicHost} and every
 * {@code web.extraNames} entry, as an IP address when it is an IP literal ({@link IpLiteral}) and
 * as a DNS name otherwise; and {@code web.bind} unless it is the wildcard address. No duplicates,
 * in that order.
 *
 * @param dnsNames    DNS names.
 * @param ipAddresses IP addresses.
 */
public record CertificateNames(@NotNull List<String> dnsNames, @NotNull List<InetAddress> ipAddresses) {

    public CertificateNames {
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
    }

    /**
     * @param config a validated configuration (its host names and literals are already checked).
     * @return the names for its certificate.
     */
    public static @NotNull CertificateNames of(final @NotNull NodeConfig config) {
        final Set<String> dns = new LinkedHashSet<>();
        final Set<InetAddress> ips = new LinkedHashSet<>();
        dns.add("localhost");
        ips.add(Objects.requireNonNull(IpLiteral.parse("127.0.0.1")));
        ips.add(Objects.requireNonNull(IpLiteral.parse("::1")));
        final List<String> names = new ArrayList<>();
        names.add(config.publicHost());
        names.addAll(config.web().extraNames());
        for (final String name : names) {
            if (IpLiteral.looksLikeLiteral(name)) {
                final InetAddress ip = IpLiteral.parse(name);
                if (ip != null) {
                    ips.add(ip);
                }
            } else {
                dns.add(name);
            }
        }
        if (!config.web().bind().isAnyLocalAddress()) {
            ips.add(config.web().bind());
        }
        return new CertificateNames(new ArrayList<>(dns), new ArrayList<>(ips));
    }
}
