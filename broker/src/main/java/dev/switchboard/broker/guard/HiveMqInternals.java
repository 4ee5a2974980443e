package dev.switchboard.broker.guard;

import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.persistence.connection.ConnectionPersistence;
import io.netty.channel.Channel;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import org.jetbrains.annotations.NotNull;

/**
 * The one place that reaches into HiveMQ CE's internals (pinned version, see the parent POM):
 * the bound server channels of its listeners, which the extension SDK does not expose. If a
 * HiveMQ upgrade moves them, {@link #serverChannels} fails with a clear message and the broker
 * refuses to start, rather than running without its connection limits.
 */
public final class HiveMqInternals {

    private HiveMqInternals() {
    }

    /**
     * @param hivemq a started embedded broker
     * @return its listeners' server channels by listener name
     * @throws IllegalStateException when HiveMQ's internals are not where this version expects
     */
    /**
     * Replaces the server TLS context HiveMQ made for the listener whose keystore is
     * {@code keystore} (HiveMQ builds its client-certificate check from a trust store file; the
     * federation listener decides by key instead). HiveMQ makes the context when the listener
     * starts and keeps it until the keystore file changes, so call this after start; a
     * connection accepted before gets HiveMQ's context, whose default trust refuses the
     * self-signed node certificates (the peer retries).
     *
     * @param hivemq   a started embedded broker
     * @param keystore the listener's keystore path, as configured
     * @param context  the context to use from now on
     * @return how many contexts were replaced (1 when the listener exists)
     * @throws IllegalStateException when HiveMQ's internals are not where this version expects
     */
    @SuppressWarnings("unchecked")
    public static int replaceServerSslContext(final @NotNull EmbeddedHiveMQ hivemq,
                                              final @NotNull java.nio.file.Path keystore,
                                              final io.netty.handler.ssl.@NotNull SslContext context) {
        try {
            final Object store = instance(hivemq, "com.hivemq.security.ssl.SslContextStore");
            final Field map = store.getClass().getDeclaredField("sslContextMap");
            map.setAccessible(true);
            final Map<Object, Object> contexts = (Map<Object, Object>) map.get(store);
            int replaced = 0;
            for (final Object tls : contexts.keySet()) {
                final Object path = tls.getClass().getMethod("getKeystorePath").invoke(tls);
                if (path != null && java.nio.file.Path.of(path.toString()).toAbsolutePath()
                        .equals(keystore.toAbsolutePath())) {
                    contexts.put(tls, context);
                    replaced++;
                }
            }
            return replaced;
        } catch (final ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot reach HiveMQ's TLS contexts to install the federation "
                    + "listener's key check (HiveMQ CE internals changed?): " + e, e);
        }
    }

    private static Object instance(final EmbeddedHiveMQ hivemq, final String className)
            throws ReflectiveOperationException {
        final Method getInjector = hivemq.getClass().getDeclaredMethod("getInjector");
        getInjector.setAccessible(true);
        final Object injector = getInjector.invoke(hivemq);
        final ClassLoader loader = hivemq.getClass().getClassLoader();
        final Method getInstance = Class.forName("com.google.inject.Injector", false, loader)
                .getMethod("getInstance", Class.class);
        return getInstance.invoke(injector, Class.forName(className, false, loader));
    }

    @SuppressWarnings("unchecked")
    public static @NotNull Map<String, Channel> serverChannels(final @NotNull EmbeddedHiveMQ hivemq) {
        try {
            final Method getInjector = hivemq.getClass().getDeclaredMethod("getInjector");
            getInjector.setAccessible(true);
            final Object injector = getInjector.invoke(hivemq);
            // Guice is only on HiveMQ's run-time class path: call it through its public interface.
            final Method getInstance = Class.forName("com.google.inject.Injector", false,
                    hivemq.getClass().getClassLoader()).getMethod("getInstance", Class.class);
            final ConnectionPersistence persistence =
                    (ConnectionPersistence) getInstance.invoke(injector, ConnectionPersistence.class);
            final Field map = persistence.getClass().getDeclaredField("serverChannelMap");
            map.setAccessible(true);
            return Map.copyOf((Map<String, Channel>) map.get(persistence));
        } catch (final ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot reach HiveMQ's listener channels to install the connection "
                    + "limits (HiveMQ CE internals changed?): " + e, e);
        }
    }
}
