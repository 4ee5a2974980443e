package dev.switchboard.node.web;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.timeout.IdleStateEvent;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The thin Netty adapter around {@link Router}: turns an aggregated request into the router's
 * values and the {@link WebResponse} back into HTTP, adding the {@link SecurityHeaders},
 * Content-Length and Date and handling keep-alive. Entity tags carry a digest of the security
 * headers, so a 304 for one of them leaves those headers out (the stored ones are current). A
 * request the decoder could not parse is answered 400 (414/431 for an over-long request
 * line/headers) and the connection closed; the server keeps
 * serving. Closes connections that went idle (an {@link IdleStateEvent} from the pipeline).
 * Stateless; one instance is shared by all channels.
 */
@ChannelHandler.Sharable
final class HttpRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(HttpRequestHandler.class);
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH);

    private final @NotNull Router router;
    private final @NotNull Map<String, String> securityHeaders;
    /** For scripts and style sheets: only the headers that act on them (see {@link SecurityHeaders#forSubresources}). */
    private final @NotNull Map<String, String> subresourceHeaders;
    private final @NotNull WebCounters counters;
    private final @NotNull Supplier<WebGate> gate;
    /**
     * Put into every entity tag this server sends ({@code "T"} becomes {@code "T.TAG"}): a digest
     * of the security headers in force. A tag sent back in If-None-Match matches only while those
     * headers are still the ones the stored answer came with, so the 304 need not repeat them (a
     * 304's fields update the stored ones and absent ones stay, RFC 9111 §4.3.4). The page's
     * Content-Security-Policy names the broker's address, which the configuration may change while
     * the page's bytes stay the same: then the old tag no longer matches and the page comes whole.
     */
    private final @NotNull String headersTag;

    HttpRequestHandler(final @NotNull Router router, final @NotNull Map<String, String> securityHeaders) {
        this(router, securityHeaders, new WebCounters());
    }

    HttpRequestHandler(final @NotNull Router router, final @NotNull Map<String, String> securityHeaders,
                       final @NotNull WebCounters counters) {
        this(router, securityHeaders, counters, () -> WebGate.OPEN);
    }

    /** @param gate the gate in force, read for every request */
    HttpRequestHandler(final @NotNull Router router, final @NotNull Map<String, String> securityHeaders,
                       final @NotNull WebCounters counters, final @NotNull Supplier<WebGate> gate) {
        this.router = router;
        this.securityHeaders = Map.copyOf(securityHeaders);
        this.subresourceHeaders = SecurityHeaders.forSubresources(securityHeaders);
        this.counters = counters;
        this.gate = gate;
        this.headersTag = headersTag(this.securityHeaders);
    }

    /** @return {@code .} and 8 base64url characters of a SHA-256 over the headers, sorted by name */
    static @NotNull String headersTag(final @NotNull Map<String, String> headers) {
        final StringBuilder all = new StringBuilder();
        new TreeMap<>(headers).forEach((name, value) -> all.append(name).append(':').append(value).append('\n'));
        try {
            final byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(all.toString().getBytes(StandardCharsets.UTF_8));
            return "." + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 8);
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing", e);
        }
    }

    /**
     * The If-None-Match the router sees: the members this server tagged with the current
     * {@link #headersTag}, untagged; every other member dropped (a tag from before a change of the
     * security headers, or not ours); {@code *} as it is. When nothing is left, a tag that matches
     * nothing, so that If-Modified-Since stays ignored (RFC 9110 §13.2.2).
     *
     * @param ifNoneMatch the request's field value, untrusted, or null
     * @param tag         the current headers tag
     * @return the value for the router, or null when the request had none
     */
    static @Nullable String untag(final @Nullable String ifNoneMatch, final @NotNull String tag) {
        if (ifNoneMatch == null) {
            return null;
        }
        if (ifNoneMatch.trim().equals("*")) {
            return "*";
        }
        final StringBuilder out = new StringBuilder();
        final String suffix = tag + "\"";
        for (final String member : ifNoneMatch.split(",")) {
            final String t = member.trim();
            if (t.endsWith(suffix) && t.length() > suffix.length()) {
                out.append(out.length() == 0 ? "" : ", ").append(t, 0, t.length() - suffix.length()).append('"');
            }
        }
        return out.length() == 0 ? "\"\"" : out.toString();
    }

    /** @return the entity tag with the headers tag put in before its closing quote */
    private @NotNull String tagged(final @NotNull String etag) {
        return etag.endsWith("\"") ? etag.substring(0, etag.length() - 1) + headersTag + "\"" : etag;
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request) {
        final DecoderResult decoded = request.decoderResult();
        if (!decoded.isSuccess()) {
            final WebResponse response;
            if (decoded.cause() instanceof TooLongHttpLineException) {
                response = WebResponse.text(414, "URI Too Long"); // RFC 9110 §15.5.15
            } else if (decoded.cause() instanceof TooLongHttpHeaderException) {
                response = WebResponse.text(431, "Request Header Fields Too Large"); // RFC 6585 §5
            } else {
                response = WebResponse.badRequest("malformed HTTP request");
            }
            log.debug("Malformed HTTP request: {}", String.valueOf(decoded.cause()));
            send(ctx, response, false, false);
            return;
        }
        final String badHost = hostProblem(request);
        if (badHost != null) {
            log.debug("Refused HTTP request: {}", badHost);
            send(ctx, WebResponse.badRequest(badHost), false, false);
            return;
        }
        final Map<String, String> headers = new HashMap<>();
        for (final Map.Entry<String, String> header : request.headers()) {
            headers.putIfAbsent(header.getKey().toLowerCase(Locale.ROOT), header.getValue());
        }
        final String ifNoneMatch = untag(headers.get("if-none-match"), headersTag);
        if (ifNoneMatch != null) {
            headers.put("if-none-match", ifNoneMatch);
        }
        // a 304 for one of our tags: the stored answer has the security headers in force
        final boolean revalidatesOurTag = ifNoneMatch != null && !ifNoneMatch.equals("*") && !ifNoneMatch.equals("\"\"");
        final boolean head = request.method().equals(HttpMethod.HEAD);
        final InetAddress source = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        final WebGate g = gate.get();
        WebResponse response;
        if (source != null && !g.admits(source)) {
            // Refused (allow-lists, blocked scanner): the very answer an unknown path gets.
            response = WebResponse.notFound();
        } else {
            try {
                response = router.handle(request.method().name(), request.uri(), headers,
                        ByteBufUtil.getBytes(request.content()));
            } catch (final RuntimeException e) {
                log.warn("Failed to handle an HTTP request", e);
                response = WebResponse.text(500, "Internal Server Error");
            }
            if (response.status() == 404 && source != null) {
                g.unknownPath(source, request.uri());
            }
        }
        send(ctx, response, HttpUtil.isKeepAlive(request) && response.status() != 400, head,
                revalidatesOurTag && response.status() == 304);
    }

    /**
     * RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without a Host header field,
     * and to any request with more than one Host field line or an invalid Host value. An HTTP/2
     * request's {@code :authority} arrives as its Host field; a Host field beside it must be the
     * same (RFC 9113 §8.3.1).
     *
     * @return what is wrong, or {@code null} when the Host header is acceptable
     */
    static @Nullable String hostProblem(final @NotNull HttpRequest request) {
        final List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            // over HTTP/2 :authority becomes a Host field; a Host field beside it must name the
            // same (RFC 9113 §8.3.1)
            final boolean http2 = request.headers().contains(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
            if (!http2 || hosts.size() > 2 || !hosts.get(0).equals(hosts.get(1))) {
                return "more than one Host header";
            }
        }
        if (hosts.isEmpty()) {
            return request.protocolVersion().equals(HttpVersion.HTTP_1_0) ? null : "missing Host header";
        }
        final String host = hosts.get(0);
        // RFC 9110 §7.2: Host = uri-host [ ":" port ]; no white space, user info, path or controls
        for (int i = 0; i < host.length(); i++) {
            final char c = host.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == '@' || c == '?' || c == '#' || c == '\\') {
                return "invalid Host header";
            }
        }
        return null;
    }

    /**
     * Answers a request whose body exceeds the limit (RFC 9110 §15.5.14) and closes the connection,
     * since the rest of the body may still be on its way. Called by the aggregator.
     */
    void sendTooLarge(final @NotNull ChannelHandlerContext ctx) {
        send(ctx, WebResponse.text(413, "Content Too Large"), false, false);
    }

    /**
     * @return whether the response is a script or style sheet (200, or a 304 that revalidates one),
     *     to which the document-only headers do not apply
     */
    static boolean isSubresource(final @NotNull WebResponse response) {
        final String type = response.contentType();
        return (response.status() == 200 || response.status() == 304) && type != null && (type.startsWith("text/javascript")
                || type.startsWith("application/javascript") || type.startsWith("text/css"));
    }

    private void send(final ChannelHandlerContext ctx, final WebResponse response, final boolean keepAlive,
                      final boolean head) {
        send(ctx, response, keepAlive, head, false);
    }

    /** @param storedHeadersCurrent a 304 whose stored answer already has the security headers in force */
    private void send(final ChannelHandlerContext ctx, final WebResponse response, final boolean keepAlive,
                      final boolean head, final boolean storedHeadersCurrent) {
        counters.count(response.status());
        final boolean noBody = head || response.status() == 304 || response.status() == 204;
        final FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()),
                noBody ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(response.body()));
        if (!storedHeadersCurrent) {
            (isSubresource(response) ? subresourceHeaders : securityHeaders)
                    .forEach((name, value) -> out.headers().set(name, value));
        }
        response.headers().forEach((name, value) -> out.headers().set(name, value));
        final String etag = response.headers().get("ETag");
        if (etag != null) {
            out.headers().set(HttpHeaderNames.ETAG, tagged(etag));
        }
        // a 304 names no content type (RFC 9110 §15.4.5): the cache keeps the stored one
        if (response.contentType() != null && response.status() != 304) {
            out.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        }
        if (response.status() != 304 && response.status() != 204) {
            // for HEAD: the length GET would send, RFC 9110 §8.6
            out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        }
        out.headers().set(HttpHeaderNames.DATE, HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)));
        if (keepAlive) {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(out, ctx.voidPromise());
        } else {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        // TLS handshake failures (browsers rejecting a self-signed cert), resets, ...: not our problem
        log.debug("Closing HTTP connection after error: {}", cause.toString());
        ctx.close();
    }
}
