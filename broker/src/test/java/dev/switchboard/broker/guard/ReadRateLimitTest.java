package dev.switchboard.broker.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ReadRateLimit} on an {@link EmbeddedChannel} whose scheduler and the limit's clock move
 * together, by hand: no test waits for real time.
 */
class ReadRateLimitTest {

    private static final long RATE = 64 * 1024;

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    /** Whether the connection has logged in, as the limit asks it. */
    private final AtomicBoolean loggedIn = new AtomicBoolean(true);
    /** read() calls that reached the channel (the head of the pipeline), counted by a handler in front. */
    private final AtomicInteger readsAtHead = new AtomicInteger();
    private EmbeddedChannel channel;
    private ReadRateLimit limit;

    @BeforeEach
    void setUp() {
        limit = new ReadRateLimit(RATE, ch -> loggedIn.get(), now::get);
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(final ChannelHandlerContext ctx) {
                readsAtHead.incrementAndGet();
                ctx.read();
            }
        }, limit);
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private void advanceMillis(final long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
        channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private void receive(final int bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[bytes]));
        final ByteBuf passed = channel.readInbound();
        assertEquals(bytes, passed.readableBytes(), "every byte read is passed on");
        passed.release();
    }

    @Test
    void aBurstWithinOneSecondsBudget_isReadAtOnce() {
        // What a browser sends in its first tenth of a second: handshakes, login, subscription,
        // a description: about 10 KB, in pieces, much faster than 64 KiB/s.
        for (int i = 0; i < 40; i++) {
            receive(250);
            advanceMillis(1);
        }
        assertTrue(channel.config().isAutoRead());
        assertFalse(limit.isHolding());
        // Up to one second's worth at once, from a quiet connection.
        receive((int) RATE - 10_000 - 1);
        assertTrue(channel.config().isAutoRead(), "within the one-second budget");
    }

    @Test
    void overTheBudget_heldUntilBackWithinIt_thenReadAgain() {
        receive((int) RATE); // one second's worth: the whole budget
        assertTrue(channel.config().isAutoRead());
        receive((int) (RATE / 4)); // a quarter of a second more
        assertFalse(channel.config().isAutoRead(), "held");
        assertTrue(limit.isHolding());
        final int readsBefore = readsAtHead.get();

        advanceMillis(240);
        assertFalse(channel.config().isAutoRead(), "still held after 240 ms of a 250 ms debt");
        advanceMillis(11);
        assertTrue(channel.config().isAutoRead(), "read again once within the budget");
        assertFalse(limit.isHolding());
        assertTrue(readsAtHead.get() > readsBefore, "turning auto-read back on asks for a read");
    }

    @Test
    void aReadAskedForWhileHeld_isKeptAndMadeWhenTheHoldEnds() {
        receive((int) (RATE * 3 / 2)); // half a second over
        assertTrue(limit.isHolding());
        final int readsBefore = readsAtHead.get();
        channel.read();
        assertEquals(readsBefore, readsAtHead.get(), "not passed on while held");
        // Another handler (HiveMQ around a CONNECT) turns reading off and on by itself meanwhile.
        channel.config().setAutoRead(true);
        receive(100);
        assertFalse(channel.config().isAutoRead(), "turned off again on the next read while held");
        advanceMillis(510);
        assertTrue(channel.config().isAutoRead());
        assertTrue(readsAtHead.get() > readsBefore);
    }

    @Test
    void autoReadTurnedOffByAnotherHandler_isLeftToIt() {
        channel.config().setAutoRead(false); // HiveMQ's barrier before the CONNACK
        receive((int) (RATE * 2));
        assertTrue(limit.isHolding());
        final int readsBefore = readsAtHead.get();
        channel.read(); // kept while held
        advanceMillis(1_001);
        assertFalse(channel.config().isAutoRead(), "this handler did not turn it off, so it does not turn it on");
        assertEquals(readsBefore + 1, readsAtHead.get(), "the read asked for while held is made");
    }

    @Test
    void aSenderOverTheRate_isHeldToIt() {
        // Offers 4x the rate for 10 s in 16 KiB reads whenever the socket is read; counts what is read.
        long read = 0;
        for (int ms = 0; ms < 10_000; ms++) {
            if (channel.config().isAutoRead()) {
                for (int k = 0; k < 16 && channel.config().isAutoRead(); k++) {
                    if (read < (long) (ms + 1) * RATE * 4 / 1000) {
                        receive(16 * 1024);
                        read += 16 * 1024;
                    }
                }
            }
            advanceMillis(1);
        }
        // 10 s at the rate, plus the one second's budget, plus at most one read over it.
        final long most = 11 * RATE + 16 * 1024;
        assertTrue(read <= most, "read " + read + " bytes in 10 s, at most " + most);
        assertTrue(read >= 10 * RATE, "read " + read + " bytes in 10 s, at least the rate's " + 10 * RATE);
    }

    @Test
    void removedWhileHolding_readingIsOnAgain() {
        receive((int) (RATE * 2));
        assertFalse(channel.config().isAutoRead());
        channel.pipeline().remove(limit);
        assertTrue(channel.config().isAutoRead());
        advanceMillis(2_000); // the cancelled hold does nothing
        assertTrue(channel.config().isAutoRead());
    }

    @Test
    void beforeTheLogin_onlyTheHandshakeBurst_thenTheWholeSecond() {
        loggedIn.set(false);
        // A browser's handshakes and login: about 5 KB at once.
        receive(5_000);
        receive(ReadRateLimit.HANDSHAKE_BURST_BYTES - 5_000);
        assertTrue(channel.config().isAutoRead(), "the handshake burst is read at once");
        receive(4 * 1024); // a garbage sender goes on: held for the 4 KiB, 62.5 ms
        assertFalse(channel.config().isAutoRead(), "past the handshake burst before the login");
        advanceMillis(63);
        assertTrue(channel.config().isAutoRead());

        loggedIn.set(true);
        receive(32 * 1024); // a description right after the login: within the second's budget
        assertTrue(channel.config().isAutoRead(), "the whole second's budget once logged in");
    }

    @Test
    void aRateBelowOne_isRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ReadRateLimit(0, ch -> true));
    }
}
