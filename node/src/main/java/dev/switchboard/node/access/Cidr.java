package dev.switchboard.node.access;

import dev.switchboard.node.config.IpLiteral;
import org.jetbrains.annotations.NotNull;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * An IP network in CIDR notation (RFC 4632 §3.1 for IPv4, RFC 4291 §2.3 for IPv6), for the
 * allow-lists: {@code 192.0.2.0/24}, {@code 2001:db8::/32}, or a single address ({@code 192.0.2.7}
 * means {@code /32}, {@code ::1} means {@code /128}). An IPv4 network matches IPv4 addresses only
 * and an IPv6 network IPv6 addresses only (Java reads {@code ::ffff:192.0.2.7} as the IPv4
 * address already). Immutable and thread-safe; {@link #contains} allocates nothing for IPv4.
 */
public final class Cidr {

    private final byte[] network;
    private final int prefixLength;
    private final String text;

    private Cidr(final byte[] network, final int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
        // The canonical form: host bits cleared, the address in Java's textual form.
        String address;
        try {
            address = InetAddress.getByAddress(network).getHostAddress();
        } catch (final java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes, never thrown
        }
        this.text = address + "/" + prefixLength;
    }

    /**
     * @param text {@code address/prefix} or a bare address literal, untrusted
     * @return the network, host bits cleared ({@code 192.0.2.7/24} is {@code 192.0.2.0/24})
     * @throws IllegalArgumentException naming the bad text: not an IP literal (host names are not
     *                                  allowed), a prefix that is not a number, or one longer than
     *                                  the address (32 or 128)
     */
    public static @NotNull Cidr parse(final @NotNull String text) {
        final String t = text.trim();
        final int slash = t.indexOf('/');
        final String addressText = slash < 0 ? t : t.substring(0, slash);
        if (!IpLiteral.looksLikeLiteral(addressText)) {
            throw new IllegalArgumentException("not an IP network such as 192.0.2.0/24 or 2001:db8::/32: '" + text + "'");
        }
        final InetAddress address = IpLiteral.parse(addressText);
        if (address == null) {
            throw new IllegalArgumentException("not a valid IP address: '" + text + "'");
        }
        final byte[] bytes = address.getAddress();
        final int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            final String p = t.substring(slash + 1);
            if (!p.matches("\\d{1,3}")) {
                throw new IllegalArgumentException("the prefix length after '/' must be a number: '" + text + "'");
            }
            prefix = Integer.parseInt(p);
            if (prefix > max) {
                throw new IllegalArgumentException("the prefix length must be 0.." + max + " for this address: '"
                        + text + "'");
            }
        }
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] &= mask(prefix, i);
        }
        return new Cidr(bytes, prefix);
    }

    /** @return the mask byte {@code i} of a prefix of {@code prefix} bits */
    private static byte mask(final int prefix, final int i) {
        final int bits = Math.max(0, Math.min(8, prefix - i * 8));
        return (byte) (0xff00 >>> bits);
    }

    /**
     * @param address any address
     * @return whether it lies in this network (same family, same first {@code prefixLength} bits)
     */
    public boolean contains(final @NotNull InetAddress address) {
        if (address instanceof Inet4Address) {
            if (network.length != 4) {
                return false;
            }
            final int a = address.hashCode(); // Inet4Address: the address as an int, no copy
            final int n = ((network[0] & 0xff) << 24) | ((network[1] & 0xff) << 16)
                    | ((network[2] & 0xff) << 8) | (network[3] & 0xff);
            final int m = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
            return (a & m) == n;
        }
        final byte[] bytes = address.getAddress();
        if (bytes.length != network.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if ((bytes[i] & mask(prefixLength, i)) != network[i]) {
                return false;
            }
        }
        return true;
    }

    /** @return the prefix length in bits, 0..32 or 0..128 */
    public int prefixLength() {
        return prefixLength;
    }

    /** @return the canonical text, e.g. {@code 192.0.2.0/24} */
    @Override
    public @NotNull String toString() {
        return text;
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefixLength;
    }
}
