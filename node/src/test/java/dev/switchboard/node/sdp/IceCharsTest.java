package dev.switchboard.node.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.node.relay.IceCredentials;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 8839 §5.1/§5.4: the one ICE character rule, and that the parser and the relay both use it. */
class IceCharsTest {

    @Test
    void isIceChar_everyAsciiCharacter_onlyAlphaDigitPlusSlash() {
        for (char c = 0; c < 256; c++) {
            final boolean expected = Character.isLetterOrDigit(c) && c < 128 || c == '+' || c == '/';
            assertEquals(expected, IceChars.isIceChar(c), "char " + (int) c);
        }
        assertFalse(IceChars.isIceChar('\u00e9'), "non-ASCII letter");
        assertFalse(IceChars.isIceChar('\u0661'), "non-ASCII digit");
    }

    @Test
    void isUfragAndIsPwd_lengthBounds_enforced() {
        assertFalse(IceChars.isUfrag("abc"));
        assertTrue(IceChars.isUfrag("abcd"));
        assertTrue(IceChars.isUfrag("a".repeat(256)));
        assertFalse(IceChars.isUfrag("a".repeat(257)));
        assertFalse(IceChars.isPwd("p".repeat(21)));
        assertTrue(IceChars.isPwd("p".repeat(22)));
        assertTrue(IceChars.isPwd("p+/9".repeat(64)));
        assertFalse(IceChars.isPwd("p".repeat(257)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ab-d", "ab_d", "ab d", "ab=d", "abc\u00e9", "ab:d"})
    void badUfrag_refusedAlikeByParserAndRelay(final String ufrag) {
        assertFalse(IceChars.isUfrag(ufrag));
        assertFalse(IceCredentials.isValid(ufrag, "p".repeat(22)), "relay");
        final String sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-ufrag:" + ufrag + "\r\n";
        final SdpException e = assertThrows(SdpException.class,
                () -> SdpParser.withDefaults().parse(sdp), "parser");
        assertTrue(e.getMessage().contains("ice-ufrag"), e.getMessage());
    }
}
