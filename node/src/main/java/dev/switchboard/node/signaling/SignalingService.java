package dev.switchboard.node.signaling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.node.relay.IceCredentials;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.concurrent.CompletionException;

/**
 * The node's signaling rules, plugged into the broker through its SPI: validates every message
 * ({@link MessageValidator}), and in relayed mode (the default, and for now the only mode) puts
 * the node's UDP relay between the two peers of every offer/answer exchange.
 *
 * <ul>
 *   <li>{@code offer}/{@code answer}: parses the SDP, opens (or reuses) the relay session for the
 *       context and the pair of peers, registers the sender's ICE credentials with it (so the relay
 *       can verify connectivity checks, RFC 8445 §7.2.2), and replaces every candidate and address
 *       with the relay port that represents the sender ({@link SdpRewriter#relay}). Fingerprints,
 *       ufrag/pwd and every other line pass byte for byte, so the end-to-end signature still
 *       verifies.</li>
 *   <li>{@code candidate}: checked for syntax, then dropped: the rewritten SDP already names the
 *       relay, and a trickled candidate would reveal the sender's address.</li>
 *   <li>{@code hangup}: forwarded, and the pair's relay session is closed.</li>
 *   <li>{@code leave}: forwarded, and the sender's relay sessions in that room are closed.</li>
 *   <li>everything else valid: forwarded unchanged.</li>
 * </ul>
 *
 * <p>Thread-safe: called by the broker extension's executor threads; the relay is thread-safe and
 * this class keeps no other mutable state.
 */
public final class SignalingService implements SignalingInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(SignalingService.class);

    private final MessageValidator validator;
    private final SdpParser sdpParser;
    private final Relay relay;

    /**
     * @param validator checks payloads; its limit on SDP size applies.
     * @param sdpParser parses SDP with the node's limits.
     * @param relay     the UDP relay that carries every call's packets.
     */
    public SignalingService(final @NotNull MessageValidator validator, final @NotNull SdpParser sdpParser,
                            final @NotNull Relay relay) {
        this.validator = Objects.requireNonNull(validator, "validator");
        this.sdpParser = Objects.requireNonNull(sdpParser, "sdpParser");
        this.relay = Objects.requireNonNull(relay, "relay");
    }

    @Override
    public @NotNull Verdict inspect(final @NotNull SignalingMessage message) {
        final MessageValidator.Result result = validator.validate(message);
        if (result instanceof MessageValidator.Result.Invalid invalid) {
            return reject(invalid.error());
        }
        final MessageValidator.Result.Valid valid = (MessageValidator.Result.Valid) result;
        final ObjectNode json = valid.message();
        return switch (valid.type()) {
            case OFFER, ANSWER -> describe(message, json);
            case CANDIDATE -> candidate(json);
            case HANGUP -> hangup(message, json);
            case LEAVE -> leave(message);
            default -> Verdict.forward();
        };
    }

    @Override
    public void onClientDisconnected(final @NotNull String clientId) {
        final int closed = relay.closeSessionsOf(clientId);
        if (closed > 0) {
            LOG.debug("closed {} relay session(s) of {} after disconnect", closed, clientId);
        }
    }

    private Verdict describe(final SignalingMessage message, final ObjectNode json) {
        final String recipient = message.recipientId();
        if (recipient == null || recipient.equals(message.senderId())) {
            return reject(new SignalingError(SignalingError.BAD_FIELD,
                    "an " + json.get("type").asText() + " must be sent to another peer's inbox"));
        }
        final Sdp sdp;
        try {
            sdp = sdpParser.parse(json.get("sdp").asText());
        } catch (final SdpException e) {
            return reject(new SignalingError(SignalingError.BAD_SDP, e.getMessage()));
        }
        final IceCredentials credentials = iceCredentials(sdp);
        if (credentials == null) {
            return reject(new SignalingError(SignalingError.BAD_SDP,
                    "the SDP has no valid a=ice-ufrag/a=ice-pwd (RFC 8839 §5.4): the relay cannot verify "
                            + "connectivity checks without them"));
        }
        final String context = json.get("context").asText();
        final SessionKey key = SessionKey.of(context, message.senderId(), recipient);
        final RelaySession session;
        try {
            session = relay.open(key, message.senderId(), recipient).join();
        } catch (final CompletionException e) {
            if (e.getCause() instanceof RelayLimitException limit) {
                return reject(new SignalingError(SignalingError.RELAY_UNAVAILABLE, limit.getMessage()));
            }
            throw e;
        }
        session.setIceCredentials(message.senderId(), credentials);
        final Sdp rewritten = SdpRewriter.relay(sdp, session.advertisedAddress(message.senderId()));
        json.put("sdp", rewritten.write());
        try {
            return Verdict.rewrite(validator.mapper().writeValueAsBytes(json));
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a parsed JSON tree", e);
        }
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

    private static Verdict candidate(final ObjectNode json) {
        try {
            IceCandidate.parseTrickled(json.get("candidate").asText());
        } catch (final SdpException e) {
            return reject(new SignalingError(SignalingError.BAD_CANDIDATE, e.getMessage()));
        }
        // Relayed mode: the SDP already carries the relay candidate; the sender's own candidates
        // must never reach the other side.
        return Verdict.drop();
    }

    private Verdict hangup(final SignalingMessage message, final ObjectNode json) {
        final String recipient = message.recipientId();
        if (recipient != null && !recipient.equals(message.senderId())) {
            final RelaySession session = relay.session(SessionKey.of(json.get("context").asText(),
                    message.senderId(), recipient));
            if (session != null) {
                session.close();
            }
        }
        return Verdict.forward();
    }

    /** A member left a room: its relay sessions in that room carry nothing any more. */
    private Verdict leave(final SignalingMessage message) {
        final String context = "room:" + message.roomId();
        for (final RelaySession session : relay.sessionsOf(message.senderId())) {
            if (session.key().context().equals(context)) {
                session.close();
            }
        }
        return Verdict.forward();
    }

    private static Verdict reject(final SignalingError error) {
        return Verdict.reject(error.code(), error.message());
    }
}
