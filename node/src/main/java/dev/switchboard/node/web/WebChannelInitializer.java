package dev.switchboard.node.web;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Builds each connection's pipeline. Plain HTTP: the HTTP/1.1 codec with bounded request line
 * (4 KiB) and headers (8 KiB), idle timeout, aggregation of at most
 * {@link WebServerSettings#maxRequestBytes()} (larger: 413 with the usual headers, then close), then the
 * {@link HttpRequestHandler}. With TLS: after the handshake, HTTP/2 (RFC 9113) when the client chose
 * {@code h2} by ALPN (RFC 7301), else the same HTTP/1.1 pipeline. Over HTTP/2 each stream gets its
 * own child channel with a converter to HTTP/1.1 objects, the same aggregation and the same shared
 * handler, so every request is answered exactly as over HTTP/1.1 (security headers, caching,
 * compression, hidden routes, the {@link WebGate} with the connection's source address, the
 * counters); the idle timeout applies to the whole connection.
 *
 * <p>HTTP/2 limits (SETTINGS the server announces, RFC 9113 §6.5.2, and what it enforces): at most
 * {@value #H2_MAX_CONCURRENT_STREAMS} concurrent streams per connection; a header list of at most
 * {@value #H2_MAX_HEADER_LIST_BYTES} bytes (the HTTP/1.1 request line's and headers' limits together;
 * larger: 431); the server never pushes; at most {@value #H2_MAX_RESETS} streams reset by the client per
 * {@value #H2_RESET_WINDOW_SECONDS} s, and as many reset by the server for the client's errors
 * (more: the connection is closed with GOAWAY, against "rapid reset", CVE-2023-44487, and "made you
 * reset", CVE-2025-55163); at most {@value #H2_MAX_QUEUED_CONTROL_FRAMES} control frames (PING and
 * SETTINGS acknowledgements) queued for a client that does not read (more: closed); at most
 * {@value #H2_MAX_EMPTY_DATA_FRAMES} empty DATA frames in a row.
 */
final class WebChannelInitializer extends ChannelInitializer<Channel> {

    private static final Logger log = LoggerFactory.getLogger(WebChannelInitializer.class);

    static final int MAX_INITIAL_LINE_BYTES = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_CHUNK_BYTES = 8192;

    static final int H2_MAX_CONCURRENT_STREAMS = 100;
    static final int H2_MAX_HEADER_LIST_BYTES = MAX_INITIAL_LINE_BYTES + MAX_HEADER_BYTES;
    static final int H2_MAX_RESETS = 200;
    static final int H2_RESET_WINDOW_SECONDS = 30;
    static final int H2_MAX_QUEUED_CONTROL_FRAMES = 1000;
    static final int H2_MAX_EMPTY_DATA_FRAMES = 2;

    private final @Nullable SslContext sslContext;
    private final @NotNull WebServerSettings settings;
    private final @NotNull HttpRequestHandler handler;

    WebChannelInitializer(final @Nullable SslContext sslContext, final @NotNull WebServerSettings settings,
                          final @NotNull HttpRequestHandler handler) {
        this.sslContext = sslContext;
        this.settings = settings;
        this.handler = handler;
    }

    @Override
    protected void initChannel(final Channel channel) {
        configure(channel.pipeline(), channel);
    }

    void configure(final @NotNull ChannelPipeline pipeline, final @NotNull Channel channel) {
        if (sslContext == null) {
            configureHttp1(pipeline);
            return;
        }
        pipeline.addLast("tls", sslContext.newHandler(channel.alloc()));
        pipeline.addLast("alpn", new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
            @Override
            protected void configurePipeline(final ChannelHandlerContext ctx, final String protocol) {
                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                    configureHttp2(ctx.pipeline());
                } else {
                    configureHttp1(ctx.pipeline());
                }
            }

            @Override
            protected void handshakeFailure(final ChannelHandlerContext ctx, final Throwable cause) {
                // browsers refusing a self-signed certificate, scanners, ...: not our problem
                log.debug("TLS handshake failed: {}", cause.toString());
                ctx.close();
            }

            @Override
            public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
                // resets and garbage before the handshake ended: as HttpRequestHandler does after it
                log.debug("Closing HTTP connection after error: {}", cause.toString());
                ctx.close();
            }
        });
    }

    /** The HTTP/1.1 pipeline, after TLS if any. */
    private void configureHttp1(final @NotNull ChannelPipeline pipeline) {
        pipeline.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES, MAX_CHUNK_BYTES));
        pipeline.addLast("idle", new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        addRequestHandlers(pipeline);
    }

    /** The HTTP/2 pipeline after TLS: frames, idle timeout for the connection, one child channel per stream. */
    private void configureHttp2(final @NotNull ChannelPipeline pipeline) {
        pipeline.addLast("idle", new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        pipeline.addLast("idleClose", new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) throws Exception {
                if (event instanceof IdleStateEvent) {
                    ctx.channel().close(); // through the frame codec, which says GOAWAY first
                    return;
                }
                super.userEventTriggered(ctx, event);
            }
        });
        pipeline.addLast("h2", Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(H2_MAX_CONCURRENT_STREAMS)
                        .maxHeaderListSize(H2_MAX_HEADER_LIST_BYTES))
                .validateHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(H2_MAX_RESETS, H2_RESET_WINDOW_SECONDS)
                .encoderEnforceMaxRstFramesPerWindow(H2_MAX_RESETS, H2_RESET_WINDOW_SECONDS)
                .encoderEnforceMaxQueuedControlFrames(H2_MAX_QUEUED_CONTROL_FRAMES)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(H2_MAX_EMPTY_DATA_FRAMES)
                .build());
        pipeline.addLast("streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(final Http2StreamChannel stream) {
                stream.pipeline().addLast("http", new Http2StreamFrameToHttpObjectCodec(true));
                addRequestHandlers(stream.pipeline());
            }
        }));
    }

    private void addRequestHandlers(final @NotNull ChannelPipeline pipeline) {
        pipeline.addLast("aggregate", new HttpObjectAggregator(settings.maxRequestBytes()) {
            @Override
            protected void handleOversizedMessage(final ChannelHandlerContext ctx, final HttpMessage oversized)
                    throws Exception {
                if (oversized instanceof HttpRequest) {
                    handler.sendTooLarge(ctx);
                } else {
                    super.handleOversizedMessage(ctx, oversized);
                }
            }
        });
        pipeline.addLast("handler", handler);
    }
}
