package dev.switchboard.node.tls;

import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.config.IpLiteral;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CertificateNamesTest {

    @Test
    void of_defaults_localhostAndLoopbacks() {
        final CertificateNames names = CertificateNames.of(ConfigLoader.defaults());
        assertEquals(List.of("localhost"), names.dnsNames());
        assertEquals(List.of(IpLiteral.parse("127.0.0.1"), IpLiteral.parse("::1")), names.ipAddresses());
    }

    @Test
    void of_namesAndLiterals_splitByTheIpLiteralRuleWithoutDuplicates() throws Exception {
        final CertificateNames names = CertificateNames.of(ConfigLoader.parse("""
                publicHost: node.example.lan
                web: {bind: 127.0.0.7, extraNames: [127.0.0.5, sb.local, '::1', localhost, '127.0.0.6']}
                """, "t"));
        assertEquals(List.of("localhost", "node.example.lan", "sb.local"), names.dnsNames());
        assertEquals(List.of(IpLiteral.parse("127.0.0.1"), IpLiteral.parse("::1"), IpLiteral.parse("127.0.0.5"),
                IpLiteral.parse("127.0.0.6"), IpLiteral.parse("127.0.0.7")), names.ipAddresses());
    }

    @Test
    void of_wildcardBindAndIpPublicHost_bindLeftOutHostAsIp() throws Exception {
        final CertificateNames names = CertificateNames.of(ConfigLoader.parse("""
                publicHost: 127.0.0.9
                web: {bind: 0.0.0.0}
                """, "t"));
        assertEquals(List.of("localhost"), names.dnsNames());
        assertEquals(List.of(IpLiteral.parse("127.0.0.1"), IpLiteral.parse("::1"), IpLiteral.parse("127.0.0.9")),
                names.ipAddresses());
    }
}
