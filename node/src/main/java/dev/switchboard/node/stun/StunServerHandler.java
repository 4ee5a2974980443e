package dev.switchboard.node.stun;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty adapter answering STUN Binding requests (RFC 8489 §6.3) with XOR-MAPPED-ADDRESS of the
 * source and FINGERPRINT. Everything else is dropped and counted; a bad datagram never closes the
 * channel and is never answered (no amplification). Decoding is done by the pure
 * {@link StunDecoder}.
 *
 * <p>Threading: {@link #channelRead0} runs on the channel's event loop; the counters are
 * thread-safe and may be read from any thread.
 */
@ChannelHandler.Sharable
final class StunServerHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger LOG = LoggerFactory.getLogger(StunServerHandler.class);
    /** Larger datagrams are not STUN we answer (a Binding request is tiny). */
    static final int MAX_DATAGRAM = 1500;

    private final StunBindingListener listener;
    private final @Nullable String software;
    private final LongAdder answered = new LongAdder();
    private final LongAdder droppedMalformed = new LongAdder();
    private final LongAdder ignored = new LongAdder();

    StunServerHandler(final @NotNull StunBindingListener listener, final @Nullable String software) {
        this.listener = listener;
        this.software = software;
    }

    StunServerCounters counters() {
        return new StunServerCounters(answered.sum(), droppedMalformed.sum(), ignored.sum());
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final DatagramPacket packet) {
        final ByteBuf content = packet.content();
        final int length = content.readableBytes();
        if (length > MAX_DATAGRAM) {
            droppedMalformed.increment();
            return;
        }
        final byte[] datagram = new byte[length];
        content.getBytes(content.readerIndex(), datagram);
        final StunDecodeResult result = StunDecoder.decode(datagram, 0, length);
        if (result instanceof StunDecodeResult.Failure failure) {
            droppedMalformed.increment();
            LOG.debug("dropped malformed STUN datagram: {} ({})", failure.error(), failure.detail());
            return;
        }
        final StunMessage request = ((StunDecodeResult.Success) result).message();
        if (request.messageType() != Stun.BINDING_REQUEST) {
            ignored.increment(); // RFC 8489 §6.3: indications/responses get no answer
            return;
        }
        for (final StunAttribute a : request.attributes()) {
            if (a.comprehensionRequired() && !known(a.type())) {
                ignored.increment(); // RFC 8489 §6.3.1.1 would answer 420; we stay silent
                LOG.debug("ignored Binding request with unknown attribute 0x{}", Integer.toHexString(a.type()));
                return;
            }
        }
        final InetSocketAddress source = packet.sender();
        final StunMessageBuilder response = StunMessageBuilder.bindingSuccess(request.transactionId(), source);
        if (software != null) {
            response.software(software);
        }
        final byte[] bytes = response.fingerprint().build();
        answered.increment();
        try {
            // before the response leaves: the client may use the relay as soon as it has the answer
            listener.bindingAnswered(source);
        } catch (RuntimeException e) {
            LOG.warn("STUN binding listener failed", e);
        }
        ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), source), ctx.voidPromise());
    }

    private static boolean known(final int type) {
        return switch (type) {
            case Stun.ATTR_MAPPED_ADDRESS, Stun.ATTR_USERNAME, Stun.ATTR_MESSAGE_INTEGRITY, Stun.ATTR_ERROR_CODE,
                    Stun.ATTR_UNKNOWN_ATTRIBUTES, Stun.ATTR_REALM, Stun.ATTR_NONCE, Stun.ATTR_MESSAGE_INTEGRITY_SHA256,
                    Stun.ATTR_PASSWORD_ALGORITHM, Stun.ATTR_USERHASH, Stun.ATTR_XOR_MAPPED_ADDRESS,
                    Stun.ATTR_PRIORITY, Stun.ATTR_USE_CANDIDATE -> true;
            default -> false;
        };
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        // A UDP channel stays open: one bad write or read must not stop the service.
        LOG.debug("STUN channel error (service continues)", cause);
    }
}
