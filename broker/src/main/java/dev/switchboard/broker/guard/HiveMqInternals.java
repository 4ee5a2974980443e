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
