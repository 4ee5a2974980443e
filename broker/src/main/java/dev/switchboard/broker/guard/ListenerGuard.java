package dev.switchboard.broker.guard;

import com.hivemq.bootstrap.ClientConnectionContext;
import com.hivemq.bootstrap.ClientState;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * Puts the {@link ConnectionLimits} in front of HiveMQ's listeners: a handler on each listening
 * (server) channel sees every accepted connection before HiveMQ sets it up, refuses it when the
 * node's {@link AddressGate} does not admit its address or its address holds too many connections, and otherwise adds to the connection's pipeline, in front of
 * everything HiveMQ adds:
 * <ul>
 *   <li>a per-connection read limit ({@link ReadRateLimit}: a sender over its sustained rate has
 *       its socket not read for a while, one second's budget is read at once; nobody else waits),
 *       replacing HiveMQ's global {@code incoming-bandwidth-throttling}, which was one budget for
 *       all connections;</li>
 *   <li>a guard that closes a connection which sends more than the pre-CONNECT byte limit, or
 *       has not sent its CONNECT by the connect timeout;</li>
 *   <li>on WebSocket listeners, a frame size limit: a larger frame closes the connection with
 *       status 1009 (RFC 6455 §7.4.1), where HiveMQ accepts frames of any size.</li>
 * </ul>
 *
 * <p>Threading: the accept handler runs on the listener's boss event loop, the per-connection
 * handlers on the connection's event loop; neither blocks, and the hot path after CONNECT is one
 * counter check per read.
 */
public final class ListenerGuard {

    /** HiveMQ's name for the WebSocket protocol handler ({@code ChannelHandlerNames}). */
    static final String HIVEMQ_WEBSOCKET_HANDLER = "websocket_server_protocol_handler";
    static final String SHAPER = "switchboard-read-limit";
    static final String GUARD = "switchboard-connect-guard";
    static final String FRAME_WATCH = "switchboard-frame-watch";
    /** Names Netty gives the handlers a {@link WebSocketServerProtocolHandler} adds before itself. */
    private static final String[] WEBSOCKET_HELPERS = {
        "io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandshakeHandler",
        "io.netty.handler.codec.http.websocketx.Utf8FrameValidator",
    };

    private final ConnectionLimits limits;
    private final Refusals refusals;
    private final AddressCounter perAddress;
    private final @Nullable String webSocketPath;
    private final AddressGate gate;

    /**
     * @param limits        the limits to apply
     * @param refusals      where refusals are counted and logged
     * @param webSocketPath the WebSocket listener's path (for the replaced protocol handler), or
     *                      {@code null} when there is no WebSocket listener
     */
    public ListenerGuard(final @NotNull ConnectionLimits limits, final @NotNull Refusals refusals,
                         final @Nullable String webSocketPath) {
        this(limits, refusals, webSocketPath, AddressGate.OPEN);
    }

    /**
     * @param limits        the limits to apply
     * @param refusals      where refusals are counted and logged
     * @param webSocketPath the WebSocket listener's path, or {@code null} without one
     * @param gate          the node's allow-lists and scanner blocking, asked first at accept
     */
    public ListenerGuard(final @NotNull ConnectionLimits limits, final @NotNull Refusals refusals,
                         final @Nullable String webSocketPath, final @NotNull AddressGate gate) {
        this.gate = gate;
        this.limits = limits;
        this.refusals = refusals;
        this.perAddress = new AddressCounter(limits.maxConnectionsPerAddress());
        this.webSocketPath = webSocketPath;
    }

    /** @return the per-address connection counts (for tests and metrics) */
    public @NotNull AddressCounter perAddress() {
        return perAddress;
    }

    /**
     * Guards one listening channel: from now on every connection it accepts passes the guard.
     *
     * @param serverChannel a listener's bound server channel
     */
    public void guard(final @NotNull Channel serverChannel) {
        guard(serverChannel, webSocketPath);
    }

    /**
     * Guards one listening channel whose WebSocket path differs from the main listener's (the
     * compatibility listener): the same limits and the same per-address counts.
     *
     * @param serverChannel a listener's bound server channel
     * @param path          that listener's WebSocket path, or {@code null} for a TCP listener
     */
    public void guard(final @NotNull Channel serverChannel, final @Nullable String path) {
        // On the listener's own event loop, so the handler is in place before the next accept.
        serverChannel.eventLoop().submit(() -> serverChannel.pipeline().addFirst("switchboard-accept-guard",
                new AcceptGuard(path))).syncUninterruptibly();
    }

    /** Sees each accepted child channel before HiveMQ's acceptor initialises it. */
    @ChannelHandler.Sharable
    private final class AcceptGuard extends ChannelInboundHandlerAdapter {
        private final @Nullable String path;

        AcceptGuard(final @Nullable String path) {
            this.path = path;
        }

        @Override
        public void channelRead(final @NotNull ChannelHandlerContext ctx, final @NotNull Object msg) {
            if (!(msg instanceof Channel child)) {
                ctx.fireChannelRead(msg);
                return;
            }
            final InetAddress address = remoteAddress(child);
            if (address != null) {
                if (!admitted(address)) {
                    refusals.refuse(RefusalReason.ADDRESS_REFUSED, null, address,
                            "outside the allow-lists or blocked");
                    child.unsafe().closeForcibly();
                    return;
                }
                if (!perAddress.tryAcquire(address)) {
                    refusals.refuse(RefusalReason.TOO_MANY_CONNECTIONS, null, address,
                            "already " + limits.maxConnectionsPerAddress() + " connections from this address");
                    child.unsafe().closeForcibly();
                    return;
                }
                child.closeFuture().addListener(f -> perAddress.release(address));
            }
            // Added before HiveMQ's initializer, so it sees channelRegistered, which Netty fires
            // after every initializer ran and before the first read.
            child.pipeline().addLast(new Installer(address, path));
            ctx.fireChannelRead(child); // HiveMQ's acceptor adds its initializer and registers
        }
    }

    /** The gate's answer; a gate that throws refuses (it is the node's code, but never trusted blindly). */
    private boolean admitted(final InetAddress address) {
        try {
            return gate.admits(address);
        } catch (final RuntimeException e) {
            return false;
        }
    }

    /** Puts the guard's handlers in place once HiveMQ's initializer has built the pipeline. */
    private final class Installer extends ChannelInboundHandlerAdapter {
        private final @Nullable InetAddress address;
        private final @Nullable String path;

        Installer(final @Nullable InetAddress address, final @Nullable String path) {
            this.address = address;
            this.path = path;
        }

        @Override
        public void channelRegistered(final @NotNull ChannelHandlerContext ctx) {
            ctx.pipeline().remove(this);
            install(ctx.channel(), address, path);
            ctx.fireChannelRegistered();
        }
    }

    private void install(final Channel ch, final @Nullable InetAddress address, final @Nullable String webSocketPath) {
        ch.pipeline().addFirst(GUARD, new ConnectGuard(address));
        ch.pipeline().addFirst(SHAPER, new ReadRateLimit(limits.readBytesPerSecond(), ListenerGuard::loggedIn));
        if (webSocketPath != null && ch.pipeline().get(HIVEMQ_WEBSOCKET_HANDLER) != null) {
            // Same as HiveMQ's (path, "mqtt" subprotocol, extensions allowed), but bounded frames.
            // The old handler put its handshake handler (which carries the frame limit into the
            // decoder it installs) and a UTF-8 validator in front of itself: the new one adds its own.
            for (final String helper : WEBSOCKET_HELPERS) {
                if (ch.pipeline().get(helper) != null) {
                    ch.pipeline().remove(helper);
                }
            }
            ch.pipeline().replace(HIVEMQ_WEBSOCKET_HANDLER, HIVEMQ_WEBSOCKET_HANDLER,
                    new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                            .websocketPath(webSocketPath)
                            .subprotocols("mqtt")
                            .allowExtensions(true)
                            .maxFramePayloadLength(limits.maxWebSocketFrameBytes())
                            .build()));
            ch.pipeline().addAfter(HIVEMQ_WEBSOCKET_HANDLER, FRAME_WATCH, new FrameLimitWatch(address));
        }
    }

    /** Counts the connections the WebSocket decoder closed for an oversized frame (1009). */
    private final class FrameLimitWatch extends ChannelInboundHandlerAdapter {
        private final @Nullable InetAddress address;

        FrameLimitWatch(final @Nullable InetAddress address) {
            this.address = address;
        }

        @Override
        public void exceptionCaught(final @NotNull ChannelHandlerContext ctx, final @NotNull Throwable cause) {
            if (cause instanceof CorruptedWebSocketFrameException corrupted
                    && corrupted.closeStatus() == WebSocketCloseStatus.MESSAGE_TOO_BIG) {
                refusals.refuse(RefusalReason.WEBSOCKET_FRAME_TOO_BIG, null, address,
                        "a WebSocket frame over " + limits.maxWebSocketFrameBytes() + " bytes");
            }
            ctx.fireExceptionCaught(cause);
        }
    }

    private static @Nullable InetAddress remoteAddress(final Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    /**
     * Counts bytes until the CONNECT arrived and closes the connection when there are too many or
     * the connect timeout passes first. After the CONNECT it costs one boolean check per read.
     */
    private final class ConnectGuard extends ChannelDuplexHandler {
        private final @Nullable InetAddress address;
        private long bytesBeforeConnect;
        private boolean connected;
        private @Nullable ScheduledFuture<?> deadline;

        ConnectGuard(final @Nullable InetAddress address) {
            this.address = address;
        }

        @Override
        public void handlerAdded(final @NotNull ChannelHandlerContext ctx) {
            deadline = ctx.executor().schedule(() -> {
                if (!connected && stillConnecting(ctx.channel())) {
                    refusals.refuse(RefusalReason.SLOW_HANDSHAKE, null, address,
                            "no CONNECT within " + limits.connectTimeout().toMillis() + " ms");
                    ctx.close();
                }
            }, limits.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void channelRead(final @NotNull ChannelHandlerContext ctx, final @NotNull Object msg) {
            if (!connected && msg instanceof ByteBuf buf) {
                bytesBeforeConnect += buf.readableBytes();
                if (bytesBeforeConnect > limits.preConnectBytes()) {
                    if (stillConnecting(ctx.channel())) {
                        ReferenceCountUtil.release(msg);
                        refusals.refuse(RefusalReason.PRE_CONNECT_BYTES, null, address,
                                bytesBeforeConnect + " bytes before CONNECT (limit " + limits.preConnectBytes() + ")");
                        ctx.close();
                        return;
                    }
                    connectedNow();
                }
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(final @NotNull ChannelHandlerContext ctx) throws Exception {
            connectedNow();
            super.channelInactive(ctx);
        }

        private void connectedNow() {
            connected = true;
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }
    }

    /** Whether HiveMQ has accepted the connection's login (its CONNECT and any key proof). */
    private static boolean loggedIn(final Channel ch) {
        final ClientConnectionContext context = ch.attr(ClientConnectionContext.CHANNEL_ATTRIBUTE_NAME).get();
        if (context == null) {
            return false;
        }
        final ClientState state = context.getClientState();
        return state == ClientState.AUTHENTICATED || state == ClientState.RE_AUTHENTICATING;
    }

    /** Whether HiveMQ has not yet received this connection's CONNECT (or nothing is known). */
    private static boolean stillConnecting(final Channel ch) {
        final ClientConnectionContext context = ch.attr(ClientConnectionContext.CHANNEL_ATTRIBUTE_NAME).get();
        return context == null || context.getClientState() == ClientState.CONNECTING;
    }
}
