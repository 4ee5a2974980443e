package dev.switchboard.node.signaling;

import dev.switchboard.broker.spi.Presence;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.node.relay.IceCredentials;
import dev.switchboard.node.relay.PeerRelays;
import dev.switchboard.node.relay.Relay;
import dev.switchboard.node.relay.RelayLimitException;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import dev.switchboard.node.sdp.IceCandidate;
import dev.switchboard.node.sdp.MediaSection;
import dev.switchboard.node.sdp.Sdp;
import dev.switchboard.node.sdp.SdpException;
import dev.switchboard.node.sdp.SdpParser;
import dev.switchboard.node.sdp.SdpRewriter;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Peer sessions (offer, answer, candidate, hangup) in any context, rooms and calls: in relayed
 * mode (the default) puts the node's relay between the two peers of every offer/answer exchange;
 * in direct (P2P) mode, which only a call whose called side consented may use ({@link DirectLinks},
 * {@code docs/protocol.md} §5.2, §8), forwards descriptions and candidates unchanged and opens no
 * relay session.
 *
 * <ul>
 *   <li>{@code offer}/{@code answer}: parses the SDP, opens (or joins) the relay session for the
 *       context and the pair of peers without waiting for it, registers the sender's ICE
 *       credentials with it (so the relay can verify connectivity checks, RFC 8445 §7.2.2), and
 *       replaces every candidate and address with the relay port that represents the sender
 *       ({@link SdpRewriter#relay}). Fingerprints, ufrag/pwd and every other line pass byte for
 *       byte, so the end-to-end signature still verifies. With {@code "mode":"p2p"}: refused with
 *       {@code p2p-not-agreed} unless {@link DirectLinks#isDirect}; else checked (SDP syntax, the
 *       recipient connected) and forwarded unchanged, without a relay session.</li>
 *   <li>{@code candidate}: checked for syntax, then dropped: the rewritten SDP already names the
 *       relay, and a trickled candidate would reveal the sender's address. Between the two sides
 *       of a consented direct call it is forwarded unchanged.</li>
 *   <li>{@code hangup}: forwarded, and the pair's relay session is closed.</li>
 * </ul>
 *
 * <p>Thread-safe: the relay is thread-safe and this class keeps no other mutable state. Nothing
 * here blocks; the rewrite after a relay session opened runs on the thread that completed the
 * relay's future.
 */
final class SessionHandler {

    private final SdpParser sdpParser;
    private final Relay relay;
    private final DirectLinks direct;
    private volatile Presence presence = Presence.UNKNOWN;
    private volatile PeerRelays peerRelays = PeerRelays.NONE;

    SessionHandler(final @NotNull SdpParser sdpParser, final @NotNull Relay relay, final @NotNull DirectLinks direct) {
        this.sdpParser = Objects.requireNonNull(sdpParser, "sdpParser");
        this.relay = Objects.requireNonNull(relay, "relay");
        this.direct = Objects.requireNonNull(direct, "direct");
    }

    /** Takes federation's view of which senders are other nodes' clients (see {@link PeerRelays}). */
    void usePeerRelays(final @NotNull PeerRelays relays) {
        this.peerRelays = Objects.requireNonNull(relays, "relays");
    }

    /** Takes the broker's view of who is online (see {@link SignalingService#attach}). */
    void attach(final @NotNull Presence presence) {
        this.presence = Objects.requireNonNull(presence, "presence");
    }

    /**
     * An offer or answer: refused unless the recipient is connected (and, in a room, both peers
     * are in it), so strangers cannot fill the relay with sessions for peers that do not exist;
     * otherwise rewritten to name the relay once its session is open. The session counts against
     * the sender's key and source address. A description in direct mode is forwarded unchanged
     * only between the two sides of a call whose called side consented ({@link DirectLinks}).
     */
    @NotNull CompletableFuture<Verdict> describe(final @NotNull Message.Envelope envelope,
                                                 final @NotNull Message.SessionDescription description) {
        final String sender = envelope.senderId();
        final String recipient = description.recipientId();
        if (recipient.equals(sender)) {
            return rejected(SignalingError.BAD_FIELD,
                    "an " + description.type().wireName() + " must be sent to another peer's inbox");
        }
        final Context context = description.context();
        final boolean p2p = description.mode() == CallMode.P2P;
        if (p2p && !direct.isDirect(context, sender, recipient)) {
            return rejected(SignalingError.P2P_NOT_AGREED, "an " + description.type().wireName()
                    + " with \"mode\":\"p2p\" needs the called side's consent in call " + context
                    + ": its accept of that call did not say \"mode\":\"p2p\" (or is not known to this node);"
                    + " send it without \"mode\" to have it relayed");
        }
        final Sdp sdp;
        try {
            sdp = sdpParser.parse(description.sdp());
        } catch (final SdpException e) {
            return rejected(SignalingError.BAD_SDP, e.getMessage());
        }
        final IceCredentials credentials = iceCredentials(sdp);
        if (credentials == null) {
            return rejected(SignalingError.BAD_SDP,
                    "the SDP has no valid a=ice-ufrag/a=ice-pwd (RFC 8839 §5.4): the relay cannot verify "
                            + "connectivity checks without them");
        }
        final Presence online = presence;
        if (!online.isConnected(recipient)) {
            return rejected(SignalingError.RECIPIENT_UNAVAILABLE, "peer " + recipient + " is not connected to this node");
        }
        if (p2p) {
            // Both sides agreed to see each other's addresses: the SDP travels as it is, and the
            // relay opens nothing for this pair.
            return CompletableFuture.completedFuture(Verdict.forward());
        }
        if (context.kind() == Context.Kind.ROOM) {
            if (!online.isInRoom(sender, context.id())) {
                return rejected(SignalingError.NOT_IN_ROOM, "you are not in room " + context.id()
                        + ": subscribe to its presence topic before you offer or answer there");
            }
            if (!online.isInRoom(recipient, context.id())) {
                return rejected(SignalingError.RECIPIENT_UNAVAILABLE,
                        "peer " + recipient + " is not in room " + context.id());
            }
        }
        final PeerRelays.Decision far = peerRelays.decide(sender, envelope.viaNode(), sdp);
        if (far.refusal() != null) {
            return rejected(SignalingError.RELAY_UNAVAILABLE, far.refusal());
        }
        final SessionKey key = SessionKey.of(context.toString(), sender, recipient);
        return relay.open(key, sender, online.addressOf(sender), recipient).handle((session, error) -> {
            if (error != null) {
                final Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof RelayLimitException limit) {
                    return reject(SignalingError.RELAY_UNAVAILABLE, limit.getMessage());
                }
                throw new CompletionException(cause);
            }
            session.setIceCredentials(sender, credentials);
            if (far.relay() != null) {
                // A description a link brought: the sender's side of this session is the relay of
                // the neighbour it came from (which serves the sender or relays for it in turn).
                session.permitPeerRelay(sender, far.relay());
            }
            final String rewritten = SdpRewriter.relayText(sdp, session.advertisedAddress(sender));
            return Verdict.rewrite(envelope.json().withString("sdp", rewritten));
        });
    }

    /**
     * The ICE credentials of the first media section (WebRTC bundles every section on one
     * transport), falling back to the session level (RFC 8839 §5.4 allows both).
     */
    private static @Nullable IceCredentials iceCredentials(final Sdp sdp) {
        String ufrag = sdp.sessionIceUfrag();
        String pwd = sdp.sessionIcePwd();
        if (!sdp.mediaSections().isEmpty()) {
            final MediaSection first = sdp.mediaSections().get(0);
            if (first.iceUfrag() != null) {
                ufrag = first.iceUfrag();
            }
            if (first.icePwd() != null) {
                pwd = first.icePwd();
            }
        }
        if (ufrag == null || pwd == null || !IceCredentials.isValid(ufrag, pwd)) {
            return null;
        }
        return new IceCredentials(ufrag, pwd);
    }

    /**
     * A trickled candidate: checked, then consumed (relayed mode), or forwarded unchanged between
     * the two sides of a consented direct call.
     */
    @NotNull Verdict candidate(final @NotNull Message.Envelope envelope, final @NotNull Message.Candidate candidate) {
        try {
            IceCandidate.parseTrickled(candidate.candidate());
        } catch (final SdpException e) {
            return reject(SignalingError.BAD_CANDIDATE, e.getMessage());
        }
        if (direct.isDirect(candidate.context(), envelope.senderId(), candidate.recipientId())) {
            return Verdict.forward();
        }
        // Relayed mode: the SDP already carries the relay candidate; the sender's own candidates
        // must never reach the other side.
        return Verdict.drop();
    }

    /**
     * The sender ends the session: forwarded, the pair's relay session closed, and a direct call
     * between them forgotten.
     */
    @NotNull Verdict hangup(final @NotNull Message.Envelope envelope, final @NotNull Message.Hangup hangup) {
        if (!hangup.recipientId().equals(envelope.senderId())) {
            direct.hungUp(hangup.context(), envelope.senderId(), hangup.recipientId());
            final RelaySession session = relay.session(SessionKey.of(hangup.context().toString(),
                    envelope.senderId(), hangup.recipientId()));
            if (session != null) {
                session.close();
            }
        }
        return Verdict.forward();
    }

    /** Closes the relay sessions {@code peerId} has in {@code context}. */
    void closeIn(final @NotNull String peerId, final @NotNull Context context) {
        final String wire = context.toString();
        for (final RelaySession session : relay.sessionsOf(peerId)) {
            if (session.key().context().equals(wire)) {
                session.close();
            }
        }
    }

    /** @return how many relay sessions of {@code peerId} were closed. */
    int closeAllOf(final @NotNull String peerId) {
        return relay.closeSessionsOf(peerId);
    }

    static @NotNull Verdict reject(final @NotNull String code, final @NotNull String message) {
        return Verdict.reject(code, message);
    }

    static @NotNull CompletableFuture<Verdict> rejected(final @NotNull String code, final @NotNull String message) {
        return CompletableFuture.completedFuture(reject(code, message));
    }
}
