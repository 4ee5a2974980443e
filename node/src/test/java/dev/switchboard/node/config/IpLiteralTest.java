package dev.switchboard.node.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpLiteralTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "127.0.0.1, 127.0.0.1",
        "0.0.0.0, 0.0.0.0",
        "127.1.2.3, 127.1.2.3",
        "::1, 0:0:0:0:0:0:0:1",
        "0:0:0:0:0:0:0:1, 0:0:0:0:0:0:0:1",
        "::ffff:127.0.0.1, 127.0.0.1",
    })
    void parse_literal_address(final String text, final String hostAddress) {
        assertTrue(IpLiteral.looksLikeLiteral(text));
        assertEquals(hostAddress, IpLiteral.parse(text).getHostAddress());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "1234.1.1.1", ":::1", "1:2:3:4:5:6:7:8:9"})
    void parse_literalShapedButInvalid_nullWithoutLookup(final String text) {
        assertTrue(IpLiteral.looksLikeLiteral(text), text);
        assertNull(IpLiteral.parse(text));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"localhost", "node.example.lan", "sb-1.local", "a1b2", "::g"})
    void parse_hostName_notALiteral(final String text) {
        assertFalse(IpLiteral.looksLikeLiteral(text));
        assertNull(IpLiteral.parse(text));
    }
}
