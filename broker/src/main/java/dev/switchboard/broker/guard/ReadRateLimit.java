package dev.switchboard.broker.guard;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * The per-connection read limit: one connection's sustained read rate is held to
 * {@code bytesPerSecond}, while what it sends within one second's budget is read at once.
 *
 * <p>Every byte read is passed on (nothing is dropped: it is a TCP stream). The bytes are
 * accounted with the generic cell rate algorithm (GCRA, ITU-T I.371 §4.4.2, as a virtual
 * scheduling of bytes): each read moves the connection's theoretical arrival time on by
 * {@code size / bytesPerSecond} seconds, starting from now if it was in the past. While that time
 * is at most one second ahead of now, the connection is within its burst; when a read takes it
 * further ahead, the connection's socket is not read (auto-read off) until it is back within one
 * second, so a sender of more than the rate is slowed to it and nobody else waits for it.
 *
 * <p>Until the connection has logged in (its MQTT CONNECT accepted), the burst is only
 * {@value #HANDSHAKE_BURST_BYTES} bytes (or one second's worth, if less): enough for the TLS and
 * WebSocket handshakes and the login, several times over, but a stranger who reconnects again
 * and again to send garbage gets no fresh second's worth with each connection.
 *
 * <p>Netty's {@code ChannelTrafficShapingHandler}, used before, compares the bytes read since the
 * start of its current one-second accounting window with the time since then, and held reading
 * for 10 ms or more whenever a connection had sent faster than the rate over those few
 * milliseconds: right after a connect (TLS and WebSocket handshakes, login, subscription), or for
 * any message of a few kilobytes. At the default 64 KiB/s, over TLS, up to a third of the round
 * trips of a client publishing small messages back to back took 12-16 ms instead of 2-5, and a
 * 5 KB message sent right after connecting was answered after 27-47 ms instead of 5-9 (a 25 KB
 * one after 51-287 ms), while the connection sent a quarter of its budget or less in that second
 * ({@code docs/performance.md}, "Signaling, sixth round").
 *
 * <p>Other handlers may turn auto-read off and on themselves (HiveMQ does, around a CONNECT and a
 * SUBSCRIBE); this one turns it back on only if it turned it off, and turns it off again on the
 * next read if another handler turned it on while this one holds the connection. While held, a
 * {@code read()} asked for by a later handler is kept and made when the hold ends.
 *
 * <p>Threading: the connection's event loop only. A read allocates nothing; a hold schedules one
 * timer task.
 */
final class ReadRateLimit extends ChannelDuplexHandler {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** The burst once logged in: one second's worth of the rate. */
    private static final long BURST_NANOS = NANOS_PER_SECOND;
    /** A hold shorter than this is not worth a timer; the debt stays and the next read pays it. */
    private static final long MIN_HOLD_NANOS = 1_000_000L;
    /** The burst before the login: a browser's handshakes and login take about 5 KB. */
    static final int HANDSHAKE_BURST_BYTES = 16 * 1024;

    private final long bytesPerSecond;
    private final long handshakeBurstNanos;
    private final Predicate<Channel> loggedIn;
    private final LongSupplier nanoClock;
    private final Runnable resume = this::resume;

    /** When the bytes read so far would have been read at the sustained rate (System.nanoTime scale). */
    private long theoreticalArrival;
    private boolean started;
    private @Nullable ChannelHandlerContext context;
    private @Nullable ScheduledFuture<?> hold;
    /** This handler turned auto-read off for the current hold (so it turns it back on). */
    private boolean autoReadTurnedOff;
    /** A later handler asked for a read while the connection was held. */
    private boolean readRequested;

    /**
     * @param bytesPerSecond the sustained rate in bytes per second, at least 1
     * @param loggedIn       whether a connection has logged in (asked only when a read goes past
     *                       the handshake burst)
     */
    ReadRateLimit(final long bytesPerSecond, final @NotNull Predicate<Channel> loggedIn) {
        this(bytesPerSecond, loggedIn, System::nanoTime);
    }

    /**
     * @param bytesPerSecond the sustained rate in bytes per second, at least 1
     * @param loggedIn       whether a connection has logged in
     * @param nanoClock      a monotonic clock in nanoseconds ({@link System#nanoTime} but in tests)
     * @throws IllegalArgumentException if {@code bytesPerSecond} is below 1
     */
    ReadRateLimit(final long bytesPerSecond, final @NotNull Predicate<Channel> loggedIn,
                  final @NotNull LongSupplier nanoClock) {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("bytesPerSecond must be at least 1: " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.handshakeBurstNanos = Math.min(BURST_NANOS, HANDSHAKE_BURST_BYTES * NANOS_PER_SECOND / bytesPerSecond);
        this.loggedIn = loggedIn;
        this.nanoClock = nanoClock;
    }

    /** @return whether the connection's socket is not read for now */
    boolean isHolding() {
        return hold != null;
    }

    @Override
    public void handlerAdded(final @NotNull ChannelHandlerContext ctx) {
        context = ctx;
    }

    @Override
    public void channelRead(final @NotNull ChannelHandlerContext ctx, final @NotNull Object msg) {
        final long size = msg instanceof ByteBuf buf ? buf.readableBytes()
                : msg instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
        if (size > 0) {
            account(ctx, size);
        }
        ctx.fireChannelRead(msg);
    }

    private void account(final ChannelHandlerContext ctx, final long size) {
        final long now = nanoClock.getAsLong();
        if (!started || theoreticalArrival - now < 0) {
            theoreticalArrival = now;
            started = true;
        }
        // size <= Integer.MAX_VALUE and NANOS_PER_SECOND < 2^30: the product fits a long
        theoreticalArrival += size * NANOS_PER_SECOND / bytesPerSecond;
        long ahead = theoreticalArrival - now - handshakeBurstNanos;
        if (ahead > 0 && loggedIn.test(ctx.channel())) {
            ahead -= BURST_NANOS - handshakeBurstNanos;
        }
        final ChannelConfig config = ctx.channel().config();
        if (hold != null) {
            // Held already; another handler may have turned reading back on meanwhile.
            if (config.isAutoRead()) {
                config.setAutoRead(false);
                autoReadTurnedOff = true;
            }
            return;
        }
        if (ahead < MIN_HOLD_NANOS) {
            return;
        }
        if (config.isAutoRead()) {
            config.setAutoRead(false);
            autoReadTurnedOff = true;
        }
        hold = ctx.executor().schedule(resume, ahead, TimeUnit.NANOSECONDS);
    }

    @Override
    public void read(final @NotNull ChannelHandlerContext ctx) {
        if (hold != null) {
            readRequested = true;
            return;
        }
        ctx.read();
    }

    /** The hold ended: reading goes on as it would have. */
    private void resume() {
        final ChannelHandlerContext ctx = context;
        hold = null;
        if (ctx == null || ctx.isRemoved() || !ctx.channel().isActive()) {
            return;
        }
        if (autoReadTurnedOff) {
            autoReadTurnedOff = false;
            readRequested = false;
            ctx.channel().config().setAutoRead(true); // asks for a read itself
        } else if (readRequested) {
            readRequested = false;
            ctx.read();
        }
    }

    @Override
    public void handlerRemoved(final @NotNull ChannelHandlerContext ctx) {
        final ScheduledFuture<?> h = hold;
        hold = null;
        if (h != null) {
            h.cancel(false);
            if (autoReadTurnedOff && ctx.channel().isActive()) {
                autoReadTurnedOff = false;
                ctx.channel().config().setAutoRead(true); // removed from a live connection: not held any more
            }
        }
        context = null;
    }
}
