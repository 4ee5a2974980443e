package dev.switchboard.node.signaling;

import dev.switchboard.node.relay.IceCredentials;
import dev.switchboard.node.relay.Relay;
import dev.switchboard.node.relay.RelayCounters;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * An in-memory {@link Relay} for unit tests: no sockets. Sessions get made-up ports on 127.0.0.2;
 * a test can hold opens back ({@link #holdOpens()}, then {@link #releaseOpens()}) or make them
 * fail ({@link #failOpensWith}). Thread-safe (synchronized).
 */
final class FakeRelay implements Relay {

    static final InetAddress HOST;

    static {
        try {
            HOST = InetAddress.getByAddress(new byte[] {127, 0, 0, 2});
        } catch (final UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Map<SessionKey, FakeSession> open = new LinkedHashMap<>();
    /** Every open call, as "context opener other". */
    final List<String> opens = new ArrayList<>();
    /** The opener's address of each open, in the same order ("unknown" when not given). */
    final List<String> openerAddresses = new ArrayList<>();
    private int nextPort = 50000;
    private @Nullable Throwable failure;
    private @Nullable CompletableFuture<Void> gate;

    synchronized void failOpensWith(final @Nullable Throwable failure) {
        this.failure = failure;
    }

    synchronized void holdOpens() {
        gate = new CompletableFuture<>();
    }

    void releaseOpens() {
        final CompletableFuture<Void> g;
        synchronized (this) {
            g = gate;
            gate = null;
        }
        if (g != null) {
            g.complete(null);
        }
    }

    @Override
    public synchronized @NotNull CompletableFuture<RelaySession> open(final @NotNull SessionKey key,
                                                                     final @NotNull String opener,
                                                                     final @Nullable InetAddress openerAddress,
                                                                     final @NotNull String other) {
        if (opener.equals(other) || !key.involves(opener) || !key.involves(other)) {
            throw new IllegalArgumentException("key " + key + " does not name " + opener + " and " + other);
        }
        opens.add(key.context() + " " + opener + " " + other);
        openerAddresses.add(openerAddress == null ? "unknown" : openerAddress.getHostAddress());
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        final FakeSession session = open.computeIfAbsent(key, k -> new FakeSession(k, opener, other,
                new InetSocketAddress(HOST, nextPort++), new InetSocketAddress(HOST, nextPort++)));
        return gate == null ? CompletableFuture.completedFuture(session) : gate.thenApply(v -> session);
    }

    @Override
    public synchronized @Nullable RelaySession session(final @NotNull SessionKey key) {
        return open.get(key);
    }

    @Override
    public synchronized @NotNull List<RelaySession> sessionsOf(final @NotNull String peerId) {
        return open.values().stream().filter(s -> s.key().involves(peerId)).map(s -> (RelaySession) s).toList();
    }

    @Override
    public synchronized @NotNull List<RelaySession> sessions() {
        return List.copyOf(open.values());
    }

    @Override
    public synchronized void close() {
        List.copyOf(open.values()).forEach(FakeSession::close);
    }

    private synchronized void remove(final FakeSession session) {
        open.remove(session.key(), session);
    }

    final class FakeSession implements RelaySession {
        private final SessionKey key;
        private final String peerA;
        private final String peerB;
        private final InetSocketAddress pA;
        private final InetSocketAddress pB;
        final Map<String, IceCredentials> credentials = new LinkedHashMap<>();
        private volatile boolean isOpen = true;

        FakeSession(final SessionKey key, final String peerA, final String peerB,
                    final InetSocketAddress pA, final InetSocketAddress pB) {
            this.key = key;
            this.peerA = peerA;
            this.peerB = peerB;
            this.pA = pA;
            this.pB = pB;
        }

        @Override
        public @NotNull SessionKey key() {
            return key;
        }

        @Override
        public @NotNull String peerA() {
            return peerA;
        }

        @Override
        public @NotNull String peerB() {
            return peerB;
        }

        @Override
        public @NotNull InetSocketAddress advertisedAddress(final @NotNull String peerId) {
            if (peerId.equals(peerA)) {
                return pA;
            }
            if (peerId.equals(peerB)) {
                return pB;
            }
            throw new IllegalArgumentException(peerId + " is not part of " + key);
        }

        @Override
        public synchronized void setIceCredentials(final @NotNull String peerId,
                                                   final @NotNull IceCredentials iceCredentials) {
            advertisedAddress(peerId);
            credentials.put(peerId, iceCredentials);
        }

        @Override
        public @NotNull RelayCounters counters() {
            return new RelayCounters(0, 0, 0, 0, 0, 0);
        }

        @Override
        public boolean isOpen() {
            return isOpen;
        }

        @Override
        public void close() {
            isOpen = false;
            remove(this);
        }
    }
}
