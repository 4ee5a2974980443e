package dev.switchboard.node.access;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CidrTest {

    @ParameterizedTest
    @CsvSource({
        "192.0.2.0/24, 192.0.2.0, true",
        "192.0.2.0/24, 192.0.2.255, true",
        "192.0.2.0/24, 192.0.3.0, false",
        "192.0.2.7/24, 192.0.2.200, true",
        "10.0.0.0/8, 10.255.1.2, true",
        "10.0.0.0/8, 11.0.0.0, false",
        "127.0.0.1, 127.0.0.1, true",
        "127.0.0.1, 127.0.0.2, false",
        "127.0.0.1/32, 127.0.0.2, false",
        "0.0.0.0/0, 203.0.113.9, true",
        "0.0.0.0/0, ::1, false",
        "192.168.1.128/25, 192.168.1.127, false",
        "192.168.1.128/25, 192.168.1.129, true",
        "172.16.0.0/12, 172.31.255.255, true",
        "172.16.0.0/12, 172.32.0.0, false",
        "2001:db8::/32, 2001:db8:ffff::1, true",
        "2001:db8::/32, 2001:db9::1, false",
        "2001:db8::/33, 2001:db8:7fff::1, true",
        "2001:db8::/33, 2001:db8:8000::1, false",
        "::1, ::1, true",
        "::1/128, ::2, false",
        "::/0, 2001:db8::1, true",
        "::/0, 127.0.0.1, false",
        "fc00::/7, fd12:3456::1, true",
        "2001:db8::/32, ::ffff:192.0.2.1, false",
        "192.0.2.0/24, ::ffff:192.0.2.1, true",
    })
    void contains_table(final String cidr, final String address, final boolean expected) throws Exception {
        assertEquals(expected, Cidr.parse(cidr).contains(InetAddress.getByName(address)), cidr + " ∋ " + address);
    }

    @Test
    void parse_clearsHostBits_andPrintsCanonically() {
        assertEquals("192.0.2.0/24", Cidr.parse(" 192.0.2.77/24 ").toString());
        assertEquals("2001:db8:0:0:0:0:0:0/32", Cidr.parse("2001:db8:1::/32").toString());
        assertEquals(Cidr.parse("10.1.2.3/8"), Cidr.parse("10.0.0.0/8"));
        assertEquals(32, Cidr.parse("198.51.100.1").prefixLength());
        assertEquals(128, Cidr.parse("2001:db8::1").prefixLength());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "example.org", "example.org/24", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/",
        "192.0.2.0/x", "192.0.2.0/-1", "300.1.1.1/8", "1.2.3/24", "::g/64", "192.0.2.0/24/8"})
    void parse_rejectsNonsense_namingTheText(final String text) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }
}
