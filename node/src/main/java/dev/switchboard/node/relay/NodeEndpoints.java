package dev.switchboard.node.relay;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.function.IntPredicate;
import org.jetbrains.annotations.NotNull;

/**
 * The node's own UDP and TCP endpoints ({@link OwnEndpoints}), which the relay never accepts as a proven source nor uses
 * as a destination: a spoofed connectivity check whose source is one of the relay's own ports (or
 * the STUN service, web server or broker) would otherwise make the relay send to itself, and two
 * relay ports could be made to loop packets between them at full speed.
 *
 * <p>An endpoint is the node's own when its address is one of the node's addresses (the relay's
 * bind address, or every address of this host when the relay binds the wildcard address; the
 * advertised address, which a NAT may forward back to us; loopback) and its port is a relay port
 * in use or one of the node's service ports ({@link #addServicePort}).
 *
 * <p>Thread-safe. {@link #isOwn} allocates nothing and takes no lock; it is asked only when a new
 * source would be proven (not per forwarded packet).
 */
public final class NodeEndpoints implements OwnEndpoints {

    private final Set<InetAddress> addresses;
    private final IntPredicate relayPortInUse;
    private volatile int[] servicePorts = new int[0];

    /**
     * @param addresses      the node's own addresses (see the class comment); copied
     * @param relayPortInUse whether a port is one the relay holds now
     */
    public NodeEndpoints(final @NotNull Set<InetAddress> addresses, final @NotNull IntPredicate relayPortInUse) {
        this.addresses = Set.copyOf(addresses);
        this.relayPortInUse = relayPortInUse;
    }

    /**
     * The node's addresses as the relay sees them: its bind address and its advertised address; for a
     * wildcard bind, every address of every network interface of this host as well. Loopback is
     * always included.
     *
     * @param bind       the relay's bind address
     * @param advertised the address written into rewritten candidates
     * @return the set, never empty
     */
    public static @NotNull Set<InetAddress> addressesOf(final @NotNull InetAddress bind,
                                                      final @NotNull InetAddress advertised) {
        final Set<InetAddress> result = new HashSet<>();
        result.add(bind);
        result.add(advertised);
        result.add(InetAddress.getLoopbackAddress());
        if (bind.isAnyLocalAddress()) {
            try {
                for (final NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    result.addAll(Collections.list(nic.getInetAddresses()));
                }
            } catch (final SocketException e) {
                // no interface list: the bind, advertised and loopback addresses still count
            }
        }
        return result;
    }

    /**
     * Adds a port one of the node's services listens on (STUN, web, broker), on the same addresses.
     *
     * @param port 1..65535
     */
    public synchronized void addServicePort(final int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535: " + port);
        }
        final int[] ports = Arrays.copyOf(servicePorts, servicePorts.length + 1);
        ports[ports.length - 1] = port;
        servicePorts = ports;
    }

    @Override
    public boolean isOwn(final @NotNull InetSocketAddress endpoint) {
        final InetAddress address = endpoint.getAddress();
        // 127.0.0.0/8 is all this host: any loopback address counts as one of ours
        if (address == null || !(address.isLoopbackAddress() || addresses.contains(address))) {
            return false;
        }
        final int port = endpoint.getPort();
        if (relayPortInUse.test(port)) {
            return true;
        }
        for (final int p : servicePorts) {
            if (p == port) {
                return true;
            }
        }
        return false;
    }
}
