package dev.switchboard.node.web;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.concurrent.TimeUnit;

/**
 * Builds each connection's pipeline: TLS (if a context is given), HTTP/1.1 codec with bounded
 * request line (4 KiB) and headers (8 KiB), idle timeout, aggregation of at most
 * {@link WebServerSettings#maxRequestBytes()} (larger: 413 with the usual headers, then close), then the
 * {@link HttpRequestHandler}.
 */
final class WebChannelInitializer extends ChannelInitializer<Channel> {

    static final int MAX_INITIAL_LINE_BYTES = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_CHUNK_BYTES = 8192;

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
        if (sslContext != null) {
            pipeline.addLast("tls", sslContext.newHandler(channel.alloc()));
        }
        pipeline.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES, MAX_CHUNK_BYTES));
        pipeline.addLast("idle", new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
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
