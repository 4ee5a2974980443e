package dev.switchboard.node.stun;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class IceCheckVerifierTest {

    private static byte[] check(final String username, final String pwd, final boolean fingerprint) {
        final StunMessageBuilder b = new StunMessageBuilder(Stun.BINDING_REQUEST, StunMessageBuilder.newTransactionId())
                .username(username)
                .attribute(Stun.ATTR_PRIORITY, new byte[] {0x6e, 0, 1, (byte) 0xff})
                .messageIntegrity(pwd.getBytes(StandardCharsets.UTF_8));
        return fingerprint ? b.fingerprint().build() : b.build();
    }

    @Test
    void verify_rfc5769SampleRequest_acceptedForUfragEvtj() {
        // RFC 5769 §2.1: USERNAME "evtj:h6vY", so the receiving agent's ufrag is "evtj"
        final IceCheckVerifier v = new IceCheckVerifier("evtj", Rfc5769Vectors.PASSWORD);
        assertTrue(v.verify(Rfc5769Vectors.SAMPLE_REQUEST, 0, Rfc5769Vectors.SAMPLE_REQUEST.length));
        assertFalse(new IceCheckVerifier("h6vY", Rfc5769Vectors.PASSWORD)
                .verify(Rfc5769Vectors.SAMPLE_REQUEST, 0, Rfc5769Vectors.SAMPLE_REQUEST.length));
        assertFalse(new IceCheckVerifier("evt", Rfc5769Vectors.PASSWORD)
                .verify(Rfc5769Vectors.SAMPLE_REQUEST, 0, Rfc5769Vectors.SAMPLE_REQUEST.length));
    }

    @Test
    void verify_validCheckAtOffset_acceptedRepeatedly() {
        final IceCheckVerifier v = new IceCheckVerifier("bbbb", "passwordOfB0123456789xyz");
        for (final boolean fp : new boolean[] {true, false}) {
            final byte[] c = check("bbbb:aaaa", "passwordOfB0123456789xyz", fp);
            final byte[] shifted = new byte[c.length + 11];
            System.arraycopy(c, 0, shifted, 11, c.length);
            for (int i = 0; i < 3; i++) { // reused HMAC state must reset between calls
                assertTrue(v.verify(c, 0, c.length));
                assertTrue(v.verify(shifted, 11, c.length));
            }
        }
    }

    @Test
    void verify_wrongPassword_rejected() {
        final IceCheckVerifier v = new IceCheckVerifier("bbbb", "passwordOfB0123456789xyz");
        final byte[] c = check("bbbb:aaaa", "passwordOfA0123456789xyz", true);
        assertFalse(v.verify(c, 0, c.length));
    }

    @Test
    void verify_wrongUfragOrder_rejected() {
        final IceCheckVerifier v = new IceCheckVerifier("bbbb", "pwdB-0123456789012345678");
        final byte[] c = check("aaaa:bbbb", "pwdB-0123456789012345678", true);
        assertFalse(v.verify(c, 0, c.length));
        final byte[] noColon = check("bbbbaaaa", "pwdB-0123456789012345678", true);
        assertFalse(v.verify(noColon, 0, noColon.length));
    }

    @Test
    void verify_responseOrMissingIntegrity_rejected() {
        final IceCheckVerifier v = new IceCheckVerifier("bbbb", "pwd");
        final byte[] response = new StunMessageBuilder(Stun.BINDING_SUCCESS_RESPONSE, StunMessageBuilder.newTransactionId())
                .username("bbbb:aaaa").messageIntegrity("pwd".getBytes(StandardCharsets.UTF_8)).build();
        assertFalse(v.verify(response, 0, response.length));
        final byte[] noMi = new StunMessageBuilder(Stun.BINDING_REQUEST, StunMessageBuilder.newTransactionId())
                .username("bbbb:aaaa").fingerprint().build();
        assertFalse(v.verify(noMi, 0, noMi.length));
    }

    @Test
    void verify_tamperedByte_rejected() {
        final IceCheckVerifier v = new IceCheckVerifier("bbbb", "pwd");
        final byte[] c = check("bbbb:aaaa", "pwd", false);
        for (int i = Stun.HEADER_LENGTH; i < c.length; i++) {
            final byte[] t = c.clone();
            t[i] ^= 0x01;
            assertFalse(v.verify(t, 0, t.length), "flip at " + i);
        }
    }

    @Test
    void verify_steadyState_allocatesNothing() {
        final java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        final IceCheckVerifier v = new IceCheckVerifier("bbbb", "passwordOfB0123456789xyz");
        final byte[] good = check("bbbb:aaaa", "passwordOfB0123456789xyz", true);
        final byte[] bad = check("bbbb:aaaa", "passwordOfA0123456789xyz", true);
        boolean sink = false;
        for (int i = 0; i < 20_000; i++) { // warm up (JIT)
            sink ^= v.verify(good, 0, good.length) ^ v.verify(bad, 0, bad.length);
        }
        final long tid = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 10_000; i++) {
            sink ^= v.verify(good, 0, good.length) ^ v.verify(bad, 0, bad.length);
        }
        final long allocated = threads.getThreadAllocatedBytes(tid) - before;
        // a handful of bytes may come from the measurement itself; 20,000 verifications must not add up
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes for 20,000 verifications");
        assertTrue(v.verify(good, 0, good.length) || sink); // keep the loop's result alive
    }
}
