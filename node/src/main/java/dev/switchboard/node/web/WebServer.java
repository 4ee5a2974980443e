package dev.switchboard.node.web;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The node's web server: the static web client from the class path, plus exact-path routes
 * (JSON endpoints such as {@code /node-info.json}, later admin pages at secret paths), all under
 * {@link WebServerSettings#pathPrefix()}. HTTPS by default ({@link #https}); plain HTTP only when
 * asked for ({@link #plainHttp}, fine on localhost). Over TLS it speaks HTTP/2 (RFC 9113) with
 * clients that choose {@code h2} by ALPN, if the context offers it ({@link #APPLICATION_PROTOCOLS}),
 * so a page's files share one connection; HTTP/1.1 otherwise, and always over plain HTTP (no
 * {@code h2c}). Both answer every request the same way (see {@link WebChannelInitializer}).
 * Native epoll transport where available, else NIO.
 *
 * <p>Life cycle: create, add routes, {@link #start()}, then {@link #close()} (idempotent; waits a
 * bounded time). Routes may also be added or removed while running. Thread-safe.
 *
 * <pre>{@code
 * WebServer server = WebServer.https(settings, identity.newServerSslContext(WebServer.APPLICATION_PROTOCOLS))
 *         .addJsonEndpoint("/node-info.json", nodeInfo::toJsonBytes)
 *         .start();
 * int port = server.port();
 * }</pre>
 */
public final class WebServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebServer.class);

    /**
     * The ALPN protocol ids (RFC 7301) the server's TLS context should offer, in order of
     * preference: {@code h2}, then {@code http/1.1}. Pass them to
     * {@code TlsIdentity.newServerSslContext(List)}; a context without them serves HTTP/1.1 only.
     */
    public static final @NotNull List<String> APPLICATION_PROTOCOLS = List.of("h2", "http/1.1");

    private final @NotNull WebServerSettings settings;
    private final @Nullable SslContext sslContext;
    private final @NotNull Router router;
    private final @NotNull WebCounters counters = new WebCounters();
    private volatile @NotNull WebGate gate = WebGate.OPEN;
    private @Nullable EventLoopGroup bossGroup;
    private @Nullable EventLoopGroup workerGroup;
    private @Nullable Channel serverChannel;
    private volatile @Nullable InetSocketAddress localAddress;
    private boolean closed;

    private WebServer(final @NotNull WebServerSettings settings, final @Nullable SslContext sslContext) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.sslContext = sslContext;
        this.router = new Router(settings.pathPrefix(),
                new StaticFiles(WebServer.class.getClassLoader(), settings.classpathRoot()));
    }

    /**
     * @param settings   the settings
     * @param sslContext a server context, e.g. {@code TlsIdentity.newServerSslContext()}
     * @return a server that is not started yet, serving HTTPS
     * @throws IllegalArgumentException if the context is a client context
     */
    public static @NotNull WebServer https(final @NotNull WebServerSettings settings,
                                           final @NotNull SslContext sslContext) {
        if (!sslContext.isServer()) {
            throw new IllegalArgumentException("need a server SslContext");
        }
        return new WebServer(settings, sslContext);
    }

    /**
     * Plain HTTP: browsers grant camera, microphone and WebCrypto only to localhost over HTTP.
     *
     * @param settings the settings
     * @return a server that is not started yet, serving plain HTTP
     */
    public static @NotNull WebServer plainHttp(final @NotNull WebServerSettings settings) {
        return new WebServer(settings, null);
    }

    /**
     * Serves {@code path} (relative to the prefix) with {@code handler}, replacing an earlier route.
     *
     * @param path    exact path starting with {@code /}, e.g. {@code /node-info.json}
     * @param handler see {@link RouteHandler} for its threading contract
     * @return this
     * @throws IllegalArgumentException if the path is malformed (query, dot or empty segments, ...)
     */
    public @NotNull WebServer addRoute(final @NotNull String path, final @NotNull RouteHandler handler) {
        router.addRoute(path, handler);
        return this;
    }

    /**
     * Serves a JSON document at {@code path}: GET and HEAD answer 200 {@code application/json} with
     * {@code Cache-Control: no-store}; other methods 405.
     *
     * @param path exact path starting with {@code /}, relative to the prefix
     * @param json produces the UTF-8 JSON bytes, called per request on an I/O thread (must be fast,
     *             non-blocking and thread-safe; a cached byte array is ideal)
     * @return this
     * @throws IllegalArgumentException if the path is malformed
     */
    public @NotNull WebServer addJsonEndpoint(final @NotNull String path, final @NotNull Supplier<byte[]> json) {
        Objects.requireNonNull(json, "json");
        return addRoute(path, request -> request.isGetOrHead()
                ? WebResponse.json(json.get())
                : WebResponse.methodNotAllowed("GET, HEAD"));
    }

    /**
     * Sets who may use the server and who learns of unknown paths (see {@link WebGate}); takes
     * effect for the next request. Default {@link WebGate#OPEN}.
     *
     * @return this
     */
    public @NotNull WebServer gate(final @NotNull WebGate gate) {
        this.gate = Objects.requireNonNull(gate, "gate");
        return this;
    }

    /**
     * Serves hidden routes (the admins' secret paths), asked before the exact routes and the
     * static files for every request; see {@link Router#hiddenRoutes}.
     *
     * @return this
     */
    public @NotNull WebServer hiddenRoutes(final @NotNull HiddenRoutes routes) {
        router.hiddenRoutes(routes);
        return this;
    }

    /**
     * @param path a path given to {@link #addRoute} or {@link #addJsonEndpoint}
     * @return whether a route was removed
     */
    public boolean removeRoute(final @NotNull String path) {
        return router.removeRoute(path);
    }

    /**
     * Binds and starts serving. Blocks until bound.
     *
     * @return this
     * @throws IOException           if the address cannot be bound (in use, not local, no permission)
     * @throws IllegalStateException if already started or closed
     */
    public synchronized @NotNull WebServer start() throws IOException {
        if (closed || serverChannel != null) {
            throw new IllegalStateException(closed ? "web server is closed" : "web server already started");
        }
        final boolean epoll = Epoll.isAvailable();
        final Class<? extends ServerChannel> channelType;
        if (epoll) {
            bossGroup = new EpollEventLoopGroup(1, new DefaultThreadFactory("web-accept", true));
            workerGroup = new EpollEventLoopGroup(0, new DefaultThreadFactory("web-io", true));
            channelType = EpollServerSocketChannel.class;
        } else {
            bossGroup = new NioEventLoopGroup(1, new DefaultThreadFactory("web-accept", true));
            workerGroup = new NioEventLoopGroup(0, new DefaultThreadFactory("web-io", true));
            channelType = NioServerSocketChannel.class;
        }
        final HttpRequestHandler handler = new HttpRequestHandler(router,
                SecurityHeaders.forConnectSources(settings.cspConnectSources()), counters, () -> gate);
        final ChannelFuture bind = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 128)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new WebChannelInitializer(sslContext, settings, handler))
                .bind(settings.bindAddress())
                .awaitUninterruptibly();
        if (!bind.isSuccess()) {
            shutdownGroups();
            throw new IOException("cannot bind the web server to " + settings.bindAddress() + ": "
                    + bind.cause().getMessage(), bind.cause());
        }
        serverChannel = bind.channel();
        localAddress = (InetSocketAddress) serverChannel.localAddress();
        log.info("Web server listening on port {} ({}, {} transport, prefix {})", port(),
                sslContext != null ? "HTTPS" : "plain HTTP", epoll ? "epoll" : "NIO", settings.pathPrefix());
        return this;
    }

    /**
     * @return the bound port (the real one if 0 was asked for)
     * @throws IllegalStateException if not started
     */
    public int port() {
        return localAddress().getPort();
    }

    /**
     * @return the bound address
     * @throws IllegalStateException if not started
     */
    public @NotNull InetSocketAddress localAddress() {
        final InetSocketAddress address = localAddress;
        if (address == null) {
            throw new IllegalStateException("web server not started");
        }
        return address;
    }

    /** @return the responses sent since start, by status code; callable from any thread */
    public @NotNull WebCounters counters() {
        return counters;
    }

    /**
     * @return whether the server accepts connections: started, not closed, its listening socket
     *     bound and open (for readiness checks); callable from any thread
     */
    public boolean isServing() {
        final Channel channel;
        synchronized (this) {
            if (closed) {
                return false;
            }
            channel = serverChannel;
        }
        return channel != null && channel.isActive();
    }

    /** @return whether this server speaks HTTPS */
    public boolean isHttps() {
        return sslContext != null;
    }

    /** @return the settings */
    public @NotNull WebServerSettings settings() {
        return settings;
    }

    /**
     * Stops accepting, closes connections and shuts the event loops down, waiting at most about
     * {@link WebServerSettings#shutdownTimeout()}. Idempotent; safe before {@link #start()}.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(settings.shutdownTimeout().toMillis());
        }
        shutdownGroups();
        log.info("Web server stopped");
    }

    private void shutdownGroups() {
        final long timeoutMillis = settings.shutdownTimeout().toMillis();
        final long quietMillis = Math.min(100, timeoutMillis / 2);
        final Future<?> boss = bossGroup == null ? null
                : bossGroup.shutdownGracefully(quietMillis, timeoutMillis, TimeUnit.MILLISECONDS);
        final Future<?> workers = workerGroup == null ? null
                : workerGroup.shutdownGracefully(quietMillis, timeoutMillis, TimeUnit.MILLISECONDS);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis + 1000);
        for (final Future<?> future : new Future<?>[] {boss, workers}) {
            if (future != null) {
                final long left = Math.max(0, deadline - System.nanoTime());
                if (!future.awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                    log.warn("Web server event loops did not stop within {}", settings.shutdownTimeout());
                }
            }
        }
        bossGroup = null;
        workerGroup = null;
    }
}
