package dev.switchboard.node.relay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeEndpointsTest {

    private static InetAddress ip(final String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void relayPortInUse_onOwnAddress_isOwn_freePortIsNot() throws Exception {
        final PortPool pool = new PortPool(new PortRange(40000, 40009));
        final int taken = pool.acquire();
        final NodeEndpoints own = new NodeEndpoints(Set.of(ip("127.0.0.1")), pool::isInUse);
        assertTrue(own.isOwn(new InetSocketAddress(ip("127.0.0.1"), taken)));
        assertFalse(own.isOwn(new InetSocketAddress(ip("127.0.0.1"), taken + 1)), "a free relay port is anyone's");
        pool.release(taken);
        assertFalse(own.isOwn(new InetSocketAddress(ip("127.0.0.1"), taken)), "released: no longer ours");
    }

    @Test
    void servicePorts_areOwn_onEveryOwnAddressAndAllLoopback() throws Exception {
        final NodeEndpoints own = new NodeEndpoints(Set.of(ip("127.0.0.1"), ip("::1")), p -> false);
        own.addServicePort(3478);
        own.addServicePort(8443);
        assertTrue(own.isOwn(new InetSocketAddress(ip("127.0.0.1"), 3478)));
        assertTrue(own.isOwn(new InetSocketAddress(ip("::1"), 8443)));
        assertTrue(own.isOwn(new InetSocketAddress(ip("127.0.0.2"), 3478)), "127.0.0.0/8 is this host");
        assertFalse(own.isOwn(new InetSocketAddress(ip("127.0.0.1"), 3479)));
        assertThrows(IllegalArgumentException.class, () -> own.addServicePort(0));
    }

    @Test
    void otherHostsAddress_neverOwn_evenOnOurPorts() throws Exception {
        final NodeEndpoints own = new NodeEndpoints(Set.of(ip("127.0.0.1")), p -> true);
        own.addServicePort(3478);
        // 203.0.113.0/24 is TEST-NET-3 (RFC 5737): only compared here, never contacted
        assertFalse(own.isOwn(new InetSocketAddress(ip("203.0.113.7"), 3478)));
    }

    @Test
    void addressesOf_includesBindAdvertisedAndLoopback() throws Exception {
        final Set<InetAddress> set = NodeEndpoints.addressesOf(ip("127.0.0.1"), ip("127.0.0.5"));
        assertTrue(set.contains(ip("127.0.0.1")));
        assertTrue(set.contains(ip("127.0.0.5")));
        assertTrue(set.contains(InetAddress.getLoopbackAddress()));
        assertTrue(NodeEndpoints.addressesOf(ip("0.0.0.0"), ip("127.0.0.1")).size() >= 2, "wildcard: every interface address");
    }
}
