package dev.switchboard.node.lobby;

import dev.switchboard.broker.spi.Presence;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.node.access.AccessControl;
import dev.switchboard.node.access.AccessEvent;
import dev.switchboard.node.access.AdminPaths;
import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.signaling.LobbyDesk;
import dev.switchboard.node.signaling.Message;
import dev.switchboard.node.signaling.SignalingError;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lobby of the personal server ({@code docs/lobby.md}): who waits for which admin. A
 * requester's {@code lobby-request} (to the node's inbox) puts them in the waiting list with the
 * name they typed, the admin name they typed, their source address and country and the time;
 * {@code lobby-cancel} or the end of their connection takes them out. Every request gets the same
 * verdict (consumed, nothing delivered): a requester cannot tell an unknown admin name or an
 * unpermitted user name from a good one. Unknown admin names and unpermitted names are recorded as
 * bad attempts for the super-admin.
 *
 * <p>Which admin a request is for, and whether its name is permitted, is decided against the
 * configuration in force when an admin page asks ({@link #waitingFor}), so a reload that changes
 * admins, paths or permitted names applies to the people already waiting.
 *
 * <p>Thread-safe: the waiting list is a concurrent map; nothing blocks.
 */
public final class Lobby implements LobbyDesk {

    /** Most people waiting at once; further requests are consumed and not listed. */
    public static final int MAX_WAITING = 500;

    /**
     * One person waiting.
     *
     * @param peerId    the requester's verified peer id
     * @param name      the name they typed
     * @param admin     the admin name they typed ({@code ""} when the page did not ask)
     * @param address   their connection's source address, when known
     * @param country   its country, when a database knows it
     * @param since     when they asked
     * @param calledBy  the peer id of the admin page that called them, or {@code null}
     */
    public record Waiting(@NotNull String peerId, @NotNull String name, @NotNull String admin,
                          @Nullable InetAddress address, @Nullable String country, @NotNull Instant since,
                          @Nullable String calledBy) {
    }

    private final String nodeId;
    private final AccessControl access;
    private final Clock clock;
    private final ConcurrentHashMap<String, Waiting> waiting = new ConcurrentHashMap<>();
    private volatile NodeConfig.Lobby config;
    private volatile Presence presence = Presence.UNKNOWN;

    /**
     * @param nodeId the node's peer id: requests go to its inbox
     * @param config the {@code lobby} section in force
     * @param access where bad attempts are recorded, and countries looked up
     * @param clock  the wall clock for waiting times
     */
    public Lobby(final @NotNull String nodeId, final @NotNull NodeConfig.Lobby config,
                 final @NotNull AccessControl access, final @NotNull Clock clock) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.config = Objects.requireNonNull(config, "config");
        this.access = Objects.requireNonNull(access, "access");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Takes the broker's view of who is online (for source addresses). */
    @Override
    public void attach(final @NotNull Presence presence) {
        this.presence = Objects.requireNonNull(presence, "presence");
    }

    /** @return the broker's view of who is online */
    @NotNull Presence presence() {
        return presence;
    }

    /** Puts a reloaded {@code lobby} section in force; the people waiting keep waiting. */
    public void update(final @NotNull NodeConfig.Lobby next) {
        config = Objects.requireNonNull(next, "next");
    }

    /** @return the {@code lobby} section in force */
    public @NotNull NodeConfig.Lobby config() {
        return config;
    }

    @Override
    public @NotNull Verdict request(final @NotNull Message.Envelope envelope,
                                    final @NotNull Message.LobbyRequest request) {
        if (!request.recipientId().equals(nodeId)) {
            return Verdict.reject(SignalingError.BAD_FIELD, "lobby requests go to the node's inbox, sb/v1/inbox/"
                    + nodeId);
        }
        final String peer = envelope.senderId();
        final InetAddress address = presence.addressOf(peer);
        final String country = address == null ? null : access.country(address);
        final String name = clean(request.name());
        final String adminTyped = request.admin() == null ? "" : clean(request.admin());
        if (name.isEmpty()) {
            return Verdict.reject(SignalingError.BAD_FIELD, "field 'name' has no visible characters");
        }
        final NodeConfig.Admin admin = adminFor(config, adminTyped);
        if (admin == null) {
            access.events().record(AccessEvent.Kind.UNKNOWN_ADMIN, address, country,
                    adminTyped.isEmpty() ? "(no admin name) from " + name : adminTyped + " (from " + name + ")");
        } else if (!permitted(admin, name)) {
            access.events().record(AccessEvent.Kind.UNPERMITTED_NAME, address, country,
                    name + " (for " + admin.name() + ")");
        }
        if (waiting.size() < MAX_WAITING || waiting.containsKey(peer)) {
            waiting.put(peer, new Waiting(peer, name, adminTyped, address, country, clock.instant(), null));
        }
        return Verdict.drop();
    }

    @Override
    public @NotNull Verdict cancel(final @NotNull Message.Envelope envelope, final @NotNull Message.LobbyCancel cancel) {
        if (!cancel.recipientId().equals(nodeId)) {
            return Verdict.reject(SignalingError.BAD_FIELD, "lobby messages go to the node's inbox");
        }
        waiting.remove(envelope.senderId());
        return Verdict.drop();
    }

    @Override
    public void left(final @NotNull String peerId) {
        waiting.remove(peerId);
    }

    /**
     * @param admin an admin in force
     * @return the people waiting for that admin, longest waiting first
     */
    public @NotNull List<Waiting> waitingFor(final @NotNull NodeConfig.Admin admin) {
        final NodeConfig.Lobby c = config;
        final List<Waiting> out = new ArrayList<>();
        for (final Waiting w : waiting.values()) {
            final NodeConfig.Admin a = adminFor(c, w.admin());
            if (a != null && a.name().equals(admin.name())) {
                out.add(w);
            }
        }
        out.sort(Comparator.comparing(Waiting::since));
        return out;
    }

    /** @return the person waiting with this peer id, or {@code null} */
    public @Nullable Waiting waiting(final @NotNull String peerId) {
        return waiting.get(peerId);
    }

    /** Marks a waiting person as called by an admin page's peer. */
    void called(final @NotNull String peerId, final @NotNull String callerId) {
        waiting.computeIfPresent(peerId, (k, w) -> new Waiting(w.peerId(), w.name(), w.admin(), w.address(),
                w.country(), w.since(), callerId));
    }

    /**
     * @param admin an admin
     * @param name  a requester's name
     * @return whether the admin may call that name (compared as {@link AdminPaths#foldName})
     */
    public static boolean permitted(final @NotNull NodeConfig.Admin admin, final @NotNull String name) {
        final String folded = AdminPaths.foldName(name);
        for (final String p : admin.permitted()) {
            if (AdminPaths.foldName(p).equals(folded)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The admin a typed name means: with one admin, an empty name or that admin's name; with
     * several, the admin of that name (ignoring case); else none.
     */
    static @Nullable NodeConfig.Admin adminFor(final NodeConfig.Lobby c, final String typed) {
        final String folded = AdminPaths.foldName(typed);
        if (c.admins().size() == 1 && folded.isEmpty()) {
            return c.admins().get(0);
        }
        for (final NodeConfig.Admin a : c.admins()) {
            if (AdminPaths.foldName(a.name()).equals(folded)) {
                return a;
            }
        }
        return null;
    }

    /** Control, format and line-separator characters dropped, spaces trimmed. */
    static @NotNull String clean(final @NotNull String text) {
        final StringBuilder b = new StringBuilder(text.length());
        text.codePoints().filter(cp -> !Character.isISOControl(cp) && Character.getType(cp) != Character.FORMAT
                && Character.getType(cp) != Character.LINE_SEPARATOR
                && Character.getType(cp) != Character.PARAGRAPH_SEPARATOR).forEach(b::appendCodePoint);
        return b.toString().trim();
    }
}
