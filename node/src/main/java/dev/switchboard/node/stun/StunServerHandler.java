package dev.switchboard.node.stun;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.nio.ByteBuffer;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty adapter around {@link StunResponder}, for pipelines that carry Netty datagrams (tests with
 * an embedded channel, other transports): answers STUN Binding requests (RFC 8489 §6.3) with
 * XOR-MAPPED-ADDRESS of the source and FINGERPRINT; everything else is dropped and counted; a bad
 * datagram never closes the channel and is never answered. {@link StunServer} itself uses the
 * responder directly on a JDK datagram channel, which allocates nothing per request.
 *
 * <p>Threading: {@link #channelRead0} runs on the channel's event loop (one loop only: the
 * responder is single-threaded); the counters may be read from any thread.
 */
@ChannelHandler.Sharable
final class StunServerHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger LOG = LoggerFactory.getLogger(StunServerHandler.class);
    /** Larger datagrams are not STUN we answer (a Binding request is tiny). */
    static final int MAX_DATAGRAM = StunResponder.MAX_DATAGRAM;

    private final StunResponder responder;

    StunServerHandler(final @NotNull StunBindingListener listener, final @Nullable String software) {
        this.responder = new StunResponder(listener, software);
    }

    StunServerCounters counters() {
        return responder.counters();
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final DatagramPacket packet) {
        final ByteBuf content = packet.content();
        final ByteBuffer request = content.nioBuffer(content.readerIndex(), content.readableBytes());
        final ByteBuffer response = ByteBuffer.allocate(StunResponder.MAX_RESPONSE);
        if (responder.answer(request, packet.sender(), response)) {
            ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(response), packet.sender()), ctx.voidPromise());
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        // A UDP channel stays open: one bad write or read must not stop the service.
        LOG.debug("STUN channel error (service continues)", cause);
    }
}
