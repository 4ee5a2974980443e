/**
 * The pure rules of "perfect negotiation" (W3C WebRTC 1.0, §10.7 "Perfect negotiation example"):
 * which peer yields when both offer at once, what to do with a remote description in a given
 * state, and when to try an ICE restart. No browser objects here: `session.js` applies the
 * decisions to an RTCPeerConnection. docs/protocol.md §5 ("Rooms") and §10 say how peers use it.
 * @module negotiation
 */

/**
 * The member with the smaller peer id starts the session (§5, step 3). Ids are compared as
 * strings of ASCII characters, which is the order of their bytes (`-` < digits < `A-Z` < `_` <
 * `a-z`), not the order of the key hashes they encode.
 * @param {string} ownId
 * @param {string} peerId
 * @returns {boolean} whether this side makes the first offer.
 */
export function startsSession(ownId, peerId) {
  return ownId < peerId;
}

/**
 * How long this member's own `join` must have been out before it answers a newcomer's `join`
 * that says `"o":1` with the first offer (§5 step 3), milliseconds. Two pages that join at about
 * the same moment each receive the other's join and answer it; were both to offer at once they
 * would collide (§10.1 resolves it, but one trip later), so a join met within this time of one's
 * own is answered by the id rule on both sides. A newcomer's join reaches a member at most a
 * SUBSCRIBE round trip after the member's own when they collide like that: milliseconds on a
 * working node.
 */
export const MEMBER_SETTLED_MS = 1000;

/**
 * Who makes the first offer to a member just met (§5 step 3).
 * @param {object} s
 * @param {boolean} s.takesPart this side takes part in the member's first offer (its join says `"o":1`).
 * @param {boolean} s.saysSo the announcement just read carries `"o":1`.
 * @param {boolean} s.answeringJoin the announcement is a `join` this side answers with a `hello`
 *   (else a `hello` answering this side's join).
 * @param {number} s.sinceOwnJoinMs milliseconds since this side's own `join` went out.
 * @returns {'offer'|'wait'|null} `'offer'`: this side offers at once whatever the ids (and says
 *   `"o":1` in its hello); `'wait'`: the other side does (its hello said so); `null`: the smaller
 *   id offers ({@link startsSession}).
 */
export function firstOffer({ takesPart, saysSo, answeringJoin, sinceOwnJoinMs }) {
  if (!takesPart || !saysSo) return null;
  if (!answeringJoin) return 'wait';
  return sinceOwnJoinMs >= MEMBER_SETTLED_MS ? 'offer' : null;
}

/**
 * How long the member with the larger id waits for the first offer before it makes one itself
 * (§5, step 3): the other side may be a client that only answers, or may have lost the moment.
 * Either side may offer at any time (§10.1), so a late offer that crosses one from the other
 * side is an ordinary collision. Milliseconds.
 */
export const FIRST_OFFER_WAIT_MS = 5000;

/**
 * The polite peer yields on an offer collision (rolls its own offer back); the impolite one
 * ignores the other's offer. The peer with the larger id is polite, so the side that starts the
 * session also wins a collision and its first offer stands.
 * @param {string} ownId
 * @param {string} peerId
 * @returns {boolean}
 */
export function isPolite(ownId, peerId) {
  return ownId > peerId;
}

/**
 * @typedef {object} Decision
 * @property {'apply'|'ignore'} action apply the description (an offer is then answered), or drop it.
 * @property {boolean} collision an offer arrived while this side was offering itself (glare).
 * @property {boolean} rollback this side's own pending offer is rolled back first (polite side).
 * @property {'collision'|'stale-answer'|null} why why it is ignored.
 */

/**
 * What to do with a remote offer or answer.
 * @param {object} s
 * @param {'offer'|'answer'} s.type the remote description's type.
 * @param {boolean} s.polite whether this side is polite.
 * @param {boolean} s.makingOffer whether this side is creating an offer right now.
 * @param {RTCSignalingState} s.signalingState the connection's signaling state.
 * @param {boolean} [s.settingRemoteAnswer] whether a remote answer is being applied right now.
 * @returns {Decision}
 */
export function onRemoteDescription({ type, polite, makingOffer, signalingState, settingRemoteAnswer = false }) {
  if (type === 'answer') {
    // An answer only means something to the offer this side has pending; any other answer is
    // to an offer that was rolled back or ignored.
    return signalingState === 'have-local-offer'
      ? { action: 'apply', collision: false, rollback: false, why: null }
      : { action: 'ignore', collision: false, rollback: false, why: 'stale-answer' };
  }
  const readyForOffer = !makingOffer && (signalingState === 'stable' || settingRemoteAnswer);
  const collision = !readyForOffer;
  if (collision && !polite) return { action: 'ignore', collision, rollback: false, why: 'collision' };
  return { action: 'apply', collision, rollback: collision && signalingState === 'have-local-offer', why: null };
}

/**
 * Whether a connection in this state should get an ICE restart (RFC 8445 §9; W3C WebRTC 1.0
 * `restartIce()`), within a budget of attempts since it last connected.
 * @param {object} s
 * @param {RTCIceConnectionState} s.iceConnectionState
 * @param {RTCPeerConnectionState} s.connectionState
 * @param {boolean} s.negotiated whether a first offer/answer exchange completed.
 * @param {number} s.attempts restarts tried since the connection last connected.
 * @param {number} s.maxAttempts
 * @returns {'restart'|'give-up'|'wait'}
 */
export function iceRecovery({ iceConnectionState, connectionState, negotiated, attempts, maxAttempts }) {
  if (iceConnectionState !== 'failed' && connectionState !== 'failed') return 'wait';
  if (!negotiated) return 'give-up';
  return attempts < maxAttempts ? 'restart' : 'give-up';
}

/**
 * @typedef {object} DropState a connected session whose link went down (a drop, not a refusal).
 * @property {RTCIceConnectionState} iceConnectionState
 * @property {RTCPeerConnectionState} connectionState
 * @property {number} lostForMillis since the link was lost.
 * @property {number} sinceRestartMillis since this side last restarted ICE (Infinity when it did not).
 * @property {number} offerPendingMillis how long this side's offer has waited for its answer (0: none).
 * @property {number} [giveUpMillis] how long to keep trying; default 120000 (two minutes).
 * @property {number} [restartEveryMillis] least time between two ICE restarts; default 8000.
 * @property {number} [disconnectedMillis] how long ICE may stay `disconnected` (it often comes
 *   back by itself, RFC 7675 consent checks resume) before a restart; default 4000.
 * @property {number} [answerTimeoutMillis] how long an offer may wait for its answer (the peer
 *   may have missed it while it was cut off) before it is rolled back and made again; default 10000.
 */

/**
 * What a session that had connected does while its link is down. A drop is not a refusal: the
 * session keeps its keys, its checked certificate and its data channels (SCTP retransmits what
 * was sent meanwhile), restarts ICE through the node (RFC 8445 §9) again and again, and only
 * gives up after `giveUpMillis`.
 * @param {DropState} s
 * @returns {'recovered'|'restart'|'rollback-and-restart'|'wait'|'give-up'}
 */
export function dropRecovery(s) {
  const giveUp = s.giveUpMillis ?? 120000;
  const every = s.restartEveryMillis ?? 8000;
  const ice = s.iceConnectionState;
  if ((ice === 'connected' || ice === 'completed') && s.connectionState === 'connected') return 'recovered';
  if (s.lostForMillis >= giveUp) return 'give-up';
  if (s.offerPendingMillis >= (s.answerTimeoutMillis ?? 10000)) return 'rollback-and-restart';
  if (s.offerPendingMillis > 0 || s.sinceRestartMillis < every) return 'wait';
  const failed = ice === 'failed' || s.connectionState === 'failed';
  const stuck = s.lostForMillis >= (s.disconnectedMillis ?? 4000);
  return failed || stuck ? 'restart' : 'wait';
}
