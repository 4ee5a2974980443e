package dev.switchboard.broker.extension;

import dev.switchboard.broker.PeerRole;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What the extension remembers about one authenticated connection: its verified id, its role, the
 * room presence topics it subscribed to, and the tail of its interceptor queue (so that the
 * node's interceptor sees one client's messages in publish order). Thread-safe.
 */
final class ConnectionState {

    private final String clientId;
    private final @Nullable PeerRole role;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

    ConnectionState(final @NotNull String clientId, final @Nullable PeerRole role) {
        this.clientId = clientId;
        this.role = role;
    }

    @NotNull String clientId() {
        return clientId;
    }

    @Nullable PeerRole role() {
        return role;
    }

    @NotNull Set<String> rooms() {
        return rooms;
    }

    /**
     * Runs {@code task} on {@code executor} after every task enqueued before it finished (or timed
     * out). The returned future fails with a {@link java.util.concurrent.TimeoutException} when the
     * task has not finished {@code timeout} after being enqueued; a task stuck that long no longer
     * holds up later ones.
     */
    synchronized <T> @NotNull CompletableFuture<T> enqueue(
            final @NotNull Supplier<T> task, final @NotNull Executor executor,
            final @NotNull Duration timeout) {
        final CompletableFuture<T> next = tail.handle((ignored, error) -> null)
                .thenApplyAsync(ignored -> task.get(), executor)
                .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
        tail = next;
        return next;
    }
}
