package dev.switchboard.broker.spi;

import dev.switchboard.broker.topic.Topic;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jetbrains.annotations.NotNull;

/**
 * A {@link SignalingInterceptor} that hands every call to another one: the base of decorators
 * (tools and tests that record, or change, what the node's signaling service decides). Override
 * what the decorator changes; everything else, {@link #attach} and {@link #onClientDisconnected}
 * included, reaches the wrapped interceptor, so wrapping never switches off its presence rules or
 * its clean-up on disconnect.
 *
 * <p>Thread-safe when the wrapped interceptor is.
 */
public abstract class ForwardingSignalingInterceptor implements SignalingInterceptor {

    private final SignalingInterceptor delegate;

    /** @param delegate the interceptor every call goes to */
    protected ForwardingSignalingInterceptor(final @NotNull SignalingInterceptor delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** @return the wrapped interceptor */
    protected final @NotNull SignalingInterceptor delegate() {
        return delegate;
    }

    @Override
    public boolean handles(final @NotNull Topic topic) {
        return delegate.handles(topic);
    }

    @Override
    public @NotNull CompletableFuture<Verdict> inspect(final @NotNull SignalingMessage message) {
        return delegate.inspect(message);
    }

    @Override
    public void attach(final @NotNull Presence presence) {
        delegate.attach(presence);
    }

    @Override
    public void onClientDisconnected(final @NotNull String clientId) {
        delegate.onClientDisconnected(clientId);
    }

    @Override
    public @org.jetbrains.annotations.Nullable String checkSubscription(
            final @NotNull String clientId, final @NotNull Topic topic,
            final @NotNull java.util.Map<String, String> userProperties) {
        return delegate.checkSubscription(clientId, topic, userProperties);
    }
}
