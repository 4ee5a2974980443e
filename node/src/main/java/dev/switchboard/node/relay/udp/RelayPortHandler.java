package dev.switchboard.node.relay.udp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thin adapter on one relay port: hands each datagram to its session's forwarding logic, releases
 * it, and flushes the other port once per read batch. Never closes the channel on bad input.
 */
final class RelayPortHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(RelayPortHandler.class);

    private final UdpRelaySession session;
    private final UdpRelaySession.Port port;

    RelayPortHandler(final UdpRelaySession session, final UdpRelaySession.Port port) {
        this.session = session;
        this.port = port;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        try {
            if (msg instanceof DatagramPacket packet) {
                session.forward(port, packet);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx) {
        UdpRelaySession.flushIfPending(port.other);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        // e.g. ICMP port unreachable surfacing as a write error: keep the port open
        LOG.debug("relay port error in {} (session continues): {}", session.key(), cause.toString());
    }
}
