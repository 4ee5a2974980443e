/**
 * One peer-to-peer session: an RTCPeerConnection to one peer in one context, its signed offers
 * and answers (docs/protocol.md §6), the checks on what the peer sends (signature, then the DTLS
 * certificate it really presents), and its data channels (§10).
 *
 * Negotiation is "perfect negotiation" (W3C WebRTC 1.0 §10.7, rules in `negotiation.js`): either
 * side may offer at any time (to add audio, video, or restart ICE), a collision is resolved by
 * the polite side rolling back, and every offer and answer is signed and sent through the node
 * like the first. Local candidates are never published: the node replaces the SDP's candidates
 * with its relay and drops trickled ones (§8), so descriptions go out at once, without waiting
 * for ICE gathering. When ICE fails, the session restarts ICE with a new signed offer.
 *
 * A direct session (`direct: true`, only in a call whose called side consented, §5.2 "Direct
 * (P2P) links") marks its descriptions `"mode":"p2p"`, which the node forwards unchanged, and
 * trickles its local candidates as `candidate` messages, each after the description it belongs
 * to: then each side sees the other's addresses.
 *
 * Threading: browser main thread. Every offer, answer and remote candidate is handled in order,
 * one at a time, on the session's own queue.
 * @module session
 */
import { toBase64Url, fromBase64Url, randomNonce } from './encoding.js';
import {
  sign, verify, sessionStatement, certificateOf, certificateMatches, sameCertificate, certificateMismatchDetail,
} from './identity.js';
import * as protocol from './protocol.js';
import { onRemoteDescription, iceRecovery, dropRecovery } from './negotiation.js';
import { selectedRoute, presentedFingerprint } from './connection-stats.js';

/** Messages received before the session is verified are held, at most this many. */
const MAX_HELD = 256;
/** Remote candidates queued before a remote description exists, at most this many. */
const MAX_PENDING_CANDIDATES = 64;
/**
 * libwebrtc can open the first channel a moment before the transport's stats name the remote
 * certificate (seen on the answering side): ask the stats again, this many times, this many
 * milliseconds apart, before refusing with `certificate-unknown`.
 */
const CERTIFICATE_STATS_TRIES = 30;
const CERTIFICATE_STATS_INTERVAL_MS = 100;

/**
 * @typedef {'new'|'connecting'|'connected'|'reconnecting'|'refused'|'closed'} SessionState
 * `new`: nothing negotiated yet; `connecting`: negotiating or waiting for DTLS; `connected`: the
 * control channel is open and the peer presented the certificate its signed description named;
 * `reconnecting`: it was connected and the link dropped; ICE is being restarted through the node
 * (a drop is not a refusal: messages sent meanwhile wait in SCTP and arrive once it is back);
 * `refused`: a check failed or the connection could not be made (see {@link Refusal});
 * `closed`: ended by either side.
 */

/**
 * @typedef {object} Refusal why a session was refused, as codes (the UI words them).
 * @property {'bad-signature'|'bad-description'|'no-word'|'certificate-mismatch'|'certificate-unknown'|'certificate-changed'|'apply-failed'|'failed'|'lost'} code
 *   `bad-signature`: a description's signature did not verify; `no-word`: the peer could not prove
 *   that it knows the room's word (its membership MAC, §6.1, or its sealed name, §5.1, did not
 *   check out); `certificate-mismatch`: DTLS
 *   presented another certificate than the signed one; `certificate-unknown`: the browser did not
 *   report the presented certificate; `certificate-changed`: a later description named another
 *   certificate than the first; `apply-failed`: the browser refused a description; `failed`: ICE
 *   failed and restarts did not help; `lost`: a connected session's link stayed down longer than
 *   the recovery window; `bad-description`: a description names no usable DTLS
 *   certificate (no fingerprint, a malformed one, two values under one hash function).
 *   `certificate-mismatch` compares the presented certificate with the signed line of the same
 *   hash function (RFC 8122 §5 allows one line per hash function).
 * @property {'offer'|'answer'} [type] the description concerned.
 * @property {string} [detail] what went wrong, in words: the browser's error for `apply-failed`,
 *   the bad line for `bad-description`, what was presented and what was signed for `certificate-mismatch`.
 */

/**
 * @typedef {object} NegotiationStats counters for tests and diagnostics.
 * @property {number} offersSent
 * @property {number} answersSent
 * @property {number} offersReceived verified offers.
 * @property {number} answersReceived verified answers.
 * @property {number} collisions offers that arrived while this side was offering.
 * @property {number} rollbacks own offers rolled back on a collision (polite side).
 * @property {number} ignoredOffers offers ignored on a collision (impolite side).
 * @property {number} staleAnswers answers to offers that were no longer pending.
 * @property {number} iceRestarts ICE restarts this side started.
 */

/**
 * @typedef {object} Membership proof of knowing the room's word over a signed statement (§6.1).
 * @property {(statement: Uint8Array) => Promise<string>} mac the `mac` field for a statement.
 * @property {(statement: Uint8Array, mac: string|null) => Promise<boolean>} check whether a peer's
 *   `mac` is right; never throws.
 */

/**
 * What every session's RTCPeerConnection is made with: one transport for everything (RFC 8843
 * BUNDLE, RTCP multiplexed), the node's own STUN service.
 * @param {RTCIceServer[]} iceServers
 * @returns {RTCConfiguration}
 */
function connectionConfig(iceServers) {
  return { iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };
}

/**
 * Makes, ahead of need, the RTCPeerConnection a later {@link Session} takes (`o.pc`): the first
 * connection of a page costs its main thread about 10-25 ms in Chromium (the WebRTC stack starts),
 * and its DTLS certificate (a P-256 key, W3C WebRTC 1.0 §4.10) is generated before the first
 * description can be made. A room makes one while it waits for the node (docs/performance.md),
 * so neither cost falls between a peer's hello and the offer or answer that follows it. The
 * certificate is generated off the main thread first and given to the connection, which then
 * makes none of its own. Nothing is gathered or sent until a description is set.
 * @param {RTCIceServer[]} iceServers as the session will be given.
 * @returns {Promise<RTCPeerConnection>} never rejects for a failed certificate (the connection
 *   then makes its own, as without this); rejects only if no connection can be made at all.
 */
export async function prepareConnection(iceServers) {
  let certificates;
  try {
    certificates = [await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' })];
  } catch {
    certificates = undefined;
  }
  const pc = new RTCPeerConnection({ ...connectionConfig(iceServers), ...(certificates ? { certificates } : {}) });
  // The session's channels too (§10: negotiated, fixed ids, so they may exist before any
  // description on either side): each createDataChannel is a blocking call into Chromium's WebRTC
  // thread, 2-20 ms for the three at load, that would otherwise fall between a hello and the
  // offer, or between an offer and its answer (docs/performance.md, "Browser, sixth round").
  // Their negotiationneeded event may fire now or only once a session holds the connection;
  // the session ignores it until it has started or answered, so it still decides whether and
  // when to offer.
  const made = new Map();
  preparedChannels.set(pc, made);
  try {
    openChannels(pc, made, (label, channel) => made.set(label, channel));
  } catch {
    // the session creates those not made, as without this
  }
  return pc;
}

/** @type {WeakMap<RTCPeerConnection, Map<string, RTCDataChannel>>} channels opened ahead by {@link prepareConnection} */
const preparedChannels = new WeakMap();

/**
 * Creates on `pc` the session's data channels (§10) whose labels `have` lacks, handing each to
 * `add` as soon as it exists (so a failure part way loses none already made).
 * @param {RTCPeerConnection} pc
 * @param {Map<string, RTCDataChannel>} have
 * @param {(label: string, channel: RTCDataChannel) => void} add
 * @throws whatever `createDataChannel` throws
 */
function openChannels(pc, have, add) {
  for (const spec of Object.values(protocol.CHANNELS)) {
    if (have.has(spec.label)) continue;
    add(spec.label, pc.createDataChannel(spec.label, { negotiated: true, id: spec.id, ordered: spec.ordered }));
  }
}

export class Session {
  /**
   * @param {object} o
   * @param {import('./identity.js').Identity} o.identity this side.
   * @param {string} o.nonce this side's nonce, as announced in join/hello.
   * @param {{id:string, key:CryptoKey, nonce:string}} o.peer the other side, its key already
   *   checked against its id.
   * @param {string} o.context e.g. `room:<roomId>` (see `protocol.roomContext`).
   * @param {boolean} o.polite whether this side yields on an offer collision (`negotiation.isPolite`).
   * @param {RTCIceServer[]} o.iceServers only the node's own STUN service.
   * @param {(message: object) => Promise<void>} o.signal publishes a signaling message in the
   *   peer's inbox.
   * @param {(state: SessionState, refusal: Refusal|null) => void} [o.onState]
   * @param {(label: string, message: import('./protocol.js').ChannelMessage) => void} [o.onMessage]
   *   a checked message from the `chat` or `file` channel, only once the session is verified.
   * @param {(caps: string[]) => void} [o.onCapabilities] the peer said on the control channel what
   *   its page can do (§10.2), only once the session is verified.
   * @param {number} [o.maxIceRestarts] ICE restarts tried in a row before giving up on a session
   *   that never connected; default 3.
   * @param {number} [o.recoveryMillis] how long a session that had connected keeps restarting ICE
   *   after its link dropped before it gives up (`lost`); default 120000.
   * @param {Membership|null} [o.membership] in a room: MACs this side's descriptions and checks the
   *   peer's (docs/protocol.md §6.1); null for contexts without a shared word.
   * @param {boolean} [o.direct] a direct (P2P) link both sides agreed to (§5.2): descriptions
   *   say `"mode":"p2p"` and local candidates are trickled; default false (relayed).
   * @param {RTCPeerConnection} [o.pc] a connection made ahead with {@link prepareConnection} for
   *   the same `iceServers`, never used before; the session owns it from now on. Default: a new one.
   */
  constructor(o) {
    this.identity = o.identity;
    this.nonce = o.nonce;
    this.peer = o.peer;
    this.context = o.context;
    this.polite = o.polite;
    this.signal = o.signal;
    this.onState = o.onState || (() => {});
    this.onMessage = o.onMessage || (() => {});
    this.onCapabilities = o.onCapabilities || (() => {});
    this.maxIceRestarts = o.maxIceRestarts ?? 3;
    this.recoveryMillis = o.recoveryMillis ?? 120000;
    this.membership = o.membership || null;
    /** Whether this is a direct (P2P) session both sides agreed to (§5.2). */
    this.direct = o.direct === true;
    /** @private direct only: local candidates that wait for their description to be sent first. */
    this.outCandidates = [];
    /** @type {SessionState} */
    this.state = 'new';
    /** @type {Refusal|null} */
    this.refusal = null;
    /** Whether the peer's signature and its DTLS certificate were both checked. */
    this.verified = false;
    /**
     * The selected route as the certificate check's stats named it when the session became
     * `connected` (read from the same `getStats` report, so showing it costs no second one); null
     * before, once the state changed again, or when that report named no selected pair.
     * @type {import('./connection-stats.js').Route|null}
     */
    this.connectedRoute = null;
    /** @type {NegotiationStats} */
    this.stats = {
      offersSent: 0, answersSent: 0, offersReceived: 0, answersReceived: 0,
      collisions: 0, rollbacks: 0, ignoredOffers: 0, staleAnswers: 0, iceRestarts: 0,
    };
    /** @private the certificate the peer's first signed description named. */
    this.signedCertificate = null;
    /** @private */
    this.makingOffer = false;
    /** @private whether one offer/answer exchange completed. */
    this.negotiated = false;
    /** @private ICE restarts since ICE last connected. */
    this.restartAttempts = 0;
    /** @private an ICE restart is under way and the failure that caused it is still reported. */
    this.restartPending = false;
    /** @private */
    this.queue = Promise.resolve();
    /** @private @type {Map<string, RTCDataChannel>} */
    this.channels = new Map();
    /** @private whether {@link Session#createChannels} ran (channels opened ahead do not count). */
    this.channelsCreated = false;
    /** @private */
    this.held = [];
    /** @private */
    this.pendingCandidates = [];
    /** @private @type {Map<string, {resolve: Function, sent: number, timer: any}>} */
    this.pings = new Map();
    /** @private when (performance.now()) the link of the connected session dropped. */
    this.lostAt = 0;
    /** @private when this side last restarted ICE during a drop. */
    this.lastRestartAt = -Infinity;
    /** @private when this side's pending offer was published (0: none pending). */
    this.offerSentAt = 0;
    /** @private the timer that drives recovery from a drop. */
    this.recoveryTimer = null;

    const pc = o.pc ?? new RTCPeerConnection(connectionConfig(o.iceServers));
    this.pc = pc;
    pc.onnegotiationneeded = () => {
      // The channels made ahead (prepareConnection) ask for negotiation before this side has
      // started or answered anything; Chromium may fire that request only once the session holds
      // the connection. It is not this session's: start() or the peer's offer begins negotiation.
      if (!this.channelsCreated) return;
      this.enqueue(() => this.offer());
    };
    pc.oniceconnectionstatechange = () => this.watchConnection();
    pc.onconnectionstatechange = () => this.watchConnection();
    // Every channel is negotiated with a fixed id (§10); a channel the peer opens in-band is not ours.
    pc.ondatachannel = (e) => e.channel.close();
    if (this.direct) pc.onicecandidate = (e) => this.onLocalCandidate(e.candidate);
    const ready = o.pc ? preparedChannels.get(o.pc) : undefined;
    if (ready) {
      preparedChannels.delete(o.pc);
      for (const [label, channel] of ready) this.adoptChannel(label, channel);
    }
  }

  /**
   * Starts the session from this side: creates the data channels, which makes the connection
   * need negotiation, so an offer follows. Idempotent.
   */
  start() {
    if (this.isOver()) return;
    const first = !this.channelsCreated;
    this.createChannels();
    // The offer is begun now, not on negotiationneeded: that event comes a task later, behind
    // whatever the page queued meanwhile (a redraw: 5-10 ms at load in BrowserFiguresIT). When it
    // comes, its offer waits on the queue behind this one and finds nothing to do.
    if (first) this.negotiate();
    this.setState('connecting');
  }

  /**
   * Makes and sends an offer now (when the connection is stable), as `negotiationneeded` does.
   * @returns {Promise<void>} settles once the offer is published (or was not needed).
   */
  negotiate() {
    return this.enqueue(() => this.offer());
  }

  /**
   * Handles a signaling message the peer sent to this session's context (its sender already
   * verified by the broker): `offer`, `answer`, `candidate` or `hangup`. Malformed messages are
   * ignored.
   * @param {object} m the parsed payload.
   * @returns {Promise<void>} settles when the message was handled.
   */
  receive(m) {
    if (m.type === 'offer' || m.type === 'answer') {
      const d = protocol.readDescription(m);
      if (!d || d.context !== this.context) return Promise.resolve();
      return this.enqueue(() => this.onDescription(d));
    }
    if (m.type === 'candidate') {
      const c = protocol.readCandidate(m);
      if (!c || c.context !== this.context) return Promise.resolve();
      return this.enqueue(() => this.addCandidate(c));
    }
    if (m.type === 'hangup' && protocol.readHangup(m)?.context === this.context) {
      this.close();
    }
    return Promise.resolve();
  }

  /**
   * Sends a message on one of the session's channels.
   * @param {'chat'|'file'|'control'} label
   * @param {object|Uint8Array} message a message built by `protocol.js`, or a binary frame (file).
   * @returns {boolean} whether it was sent (the session is verified and the channel open).
   */
  send(label, message) {
    const channel = this.channels.get(label);
    if (!this.verified || !channel || channel.readyState !== 'open') return false;
    channel.send(message instanceof Uint8Array ? message : JSON.stringify(message));
    return true;
  }

  /**
   * The open data channel with this label, for senders that pace themselves by its
   * `bufferedAmount` (file transfers).
   * @param {'chat'|'file'|'control'} label
   * @returns {RTCDataChannel|null} null unless the session is verified and the channel open.
   */
  channel(label) {
    const channel = this.channels.get(label);
    return this.verified && channel && channel.readyState === 'open' ? channel : null;
  }

  /**
   * Measures the round trip on the control channel.
   * @param {number} [timeoutMillis] default 10000.
   * @returns {Promise<number|null>} milliseconds, or null if no pong came in time or the channel is not open.
   */
  ping(timeoutMillis = 10000) {
    const id = randomNonce(9);
    if (!this.send('control', protocol.ping(id))) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pings.delete(id);
        resolve(null);
      }, timeoutMillis);
      this.pings.set(id, { resolve, sent: performance.now(), timer });
    });
  }

  /**
   * Adds a media track (audio or video); the session renegotiates with a new signed offer.
   * @param {MediaStreamTrack} track
   * @param {MediaStream} stream
   * @returns {RTCRtpSender}
   */
  addTrack(track, stream) {
    return this.pc.addTrack(track, stream);
  }

  /** Restarts ICE (new ICE credentials) through a new signed offer, as after a failure. */
  restartIce() {
    if (this.isOver()) return;
    this.stats.iceRestarts++;
    this.pc.restartIce();
  }

  /** @returns {Promise<import('./connection-stats.js').Route|null>} the selected candidate pair. */
  async route() {
    if (this.isOver()) return null;
    return selectedRoute(await this.pc.getStats());
  }

  /**
   * @returns {{local: string|null, remote: string|null, signalingState: RTCSignalingState,
   *   iceConnectionState: RTCIceConnectionState}} the current descriptions and states, for diagnostics.
   */
  descriptions() {
    return {
      local: this.pc.localDescription?.sdp ?? null,
      remote: this.pc.remoteDescription?.sdp ?? null,
      signalingState: this.pc.signalingState,
      iceConnectionState: this.pc.iceConnectionState,
    };
  }

  /**
   * Closes the connection, telling the peer with a `bye` on the control channel (best effort);
   * the state becomes `closed` (a refused session stays refused). Idempotent.
   */
  close() {
    if (this.verified) this.send('control', protocol.bye(randomNonce(9)));
    this.shutDown();
    if (this.state !== 'refused') this.setState('closed');
  }

  /** @private */
  isOver() {
    return this.state === 'closed' || this.state === 'refused';
  }

  /** @private runs `task` after every earlier one; a failure is logged and does not stop the queue. */
  enqueue(task) {
    const run = this.queue.then(() => (this.isOver() ? undefined : task()));
    this.queue = run.catch((e) => console.error('session: a negotiation step failed', e));
    return this.queue;
  }

  /** @private */
  createChannels() {
    this.channelsCreated = true;
    openChannels(this.pc, this.channels, (label, channel) => this.adoptChannel(label, channel));
  }

  /** @private takes one of the session's channels (§10) into use: its handlers and binary type. */
  adoptChannel(label, channel) {
    channel.binaryType = 'arraybuffer';
    this.channels.set(label, channel);
    channel.onmessage = (e) => this.onChannelData(label, e.data);
    if (label === protocol.CHANNELS.control.label) {
      channel.onopen = () => this.onControlOpen();
      channel.onclose = () => {
        if (!this.isOver()) this.close();
      };
    }
  }

  /** @private called on negotiationneeded (or by negotiate), on the queue. */
  async offer() {
    if (this.pc.signalingState !== 'stable') return; // asked again once stable
    this.offerSentAt = 0;
    this.makingOffer = true;
    this.holdCandidates();
    try {
      await this.pc.setLocalDescription();
    } finally {
      this.makingOffer = false;
    }
    const d = this.pc.localDescription;
    if (!d || d.type !== 'offer') return;
    if (this.state === 'new') this.setState('connecting');
    await this.publish(d);
    this.offerSentAt = performance.now();
    this.stats.offersSent++;
  }

  /**
   * @private direct sessions: trickles a local candidate (§5.2), held until the description it
   * belongs to has been sent (so the peer never gets a candidate before its description).
   */
  onLocalCandidate(c) {
    if (!c || !c.candidate || this.isOver()) return;
    const m = protocol.candidate({ context: this.context, candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex });
    if (this.outCandidates) this.outCandidates.push(m);
    else this.signal(m).catch(() => {});
  }

  /** @private direct sessions: from now on, hold local candidates until the next description is sent. */
  holdCandidates() {
    if (this.direct && !this.outCandidates) this.outCandidates = [];
  }

  /** @private signs a local description (§6) and sends it. */
  async publish({ type, sdp }) {
    const statement = sessionStatement({
      context: this.context, type, senderId: this.identity.id, recipientId: this.peer.id,
      senderNonce: this.nonce, recipientNonce: this.peer.nonce, sdp,
    });
    if (!statement) throw new Error(`the local ${type} cannot be signed: ${certificateOf(sdp).error || 'malformed part'}`);
    // Both asked of WebCrypto at once: each answer comes in a task of its own, behind whatever the
    // page queued meanwhile, so one wait instead of two.
    const [signature, mac] = await Promise.all([sign(this.identity, statement), this.membership ? this.membership.mac(statement) : null]);
    const sig = toBase64Url(signature);
    // A relayed description goes out with LF line endings (RFC 8866 §5 asks every parser to accept
    // them; §10.1): 2 bytes fewer per line, about 34 per data-only description. The signature
    // covers only the fingerprint values, which do not change. A direct one stays as written.
    const wire = this.direct ? sdp : sdp.replace(/\r\n/g, '\n');
    await this.signal(protocol.description({ type, context: this.context, sdp: wire, sig, mac, mode: this.direct ? 'p2p' : 'relay' }));
    if (this.direct && this.outCandidates) {
      const held = this.outCandidates;
      this.outCandidates = null;
      for (const m of held) this.signal(m).catch(() => {});
    }
  }

  /** @private */
  async onDescription(d) {
    // The description must name one DTLS certificate (RFC 8122 §5: one or several fingerprints
    // of it) before there is anything to verify; say what is wrong with it, not "changed keys".
    const certificate = certificateOf(d.sdp);
    if (certificate.error) {
      this.refuse({ code: 'bad-description', type: d.type, detail: certificate.error });
      this.signal(protocol.badDescription(d.type, certificate.error)).catch(() => {});
      return;
    }
    const statement = sessionStatement({
      context: this.context, type: d.type, senderId: this.peer.id, recipientId: this.identity.id,
      senderNonce: this.peer.nonce, recipientNonce: this.nonce, sdp: d.sdp,
    });
    const sig = fromBase64Url(d.sig);
    if (!statement || !sig || !(await verify(this.peer.key, sig, statement))) {
      this.refuse({ code: 'bad-signature', type: d.type });
      this.signal(protocol.badSignature(d.type)).catch(() => {});
      return;
    }
    // Signed by the peer's own key, but does the peer know the word? (A node can make keys; it
    // cannot make this MAC without the word.) Checked after the signature, so that a description
    // changed on the way is reported as such.
    if (this.membership && !(await this.membership.check(statement, d.mac))) {
      this.refuse({ code: 'no-word', type: d.type });
      return;
    }
    // One connection, one certificate: a later description may not name another one.
    if (this.signedCertificate && !sameCertificate(certificate.fingerprints, this.signedCertificate)) {
      this.refuse({ code: 'certificate-changed', type: d.type });
      return;
    }
    if (d.type === 'offer') this.stats.offersReceived++;
    else this.stats.answersReceived++;

    const decision = onRemoteDescription({
      type: d.type, polite: this.polite, makingOffer: this.makingOffer, signalingState: this.pc.signalingState,
    });
    if (decision.collision) this.stats.collisions++;
    if (decision.action === 'ignore') {
      if (decision.why === 'collision') this.stats.ignoredOffers++;
      else this.stats.staleAnswers++;
      return;
    }
    try {
      if (decision.rollback) {
        this.stats.rollbacks++;
        await this.pc.setLocalDescription({ type: 'rollback' });
      }
      await this.pc.setRemoteDescription({ type: d.type, sdp: d.sdp });
      this.signedCertificate ||= certificate.fingerprints;
      if (d.type === 'offer') {
        if (this.state === 'new') this.setState('connecting');
        // Created after the offer is applied, the channels join its data section and need no
        // negotiation of their own.
        this.createChannels();
        this.holdCandidates();
        await this.pc.setLocalDescription();
        await this.publish(this.pc.localDescription);
        this.stats.answersSent++;
      }
      this.negotiated = true;
      for (const c of this.pendingCandidates.splice(0)) await this.addCandidate(c);
    } catch (e) {
      this.refuse({ code: 'apply-failed', type: d.type, detail: e.message });
    }
  }

  /** @private */
  async addCandidate(c) {
    if (!this.pc.remoteDescription) {
      if (this.pendingCandidates.length < MAX_PENDING_CANDIDATES) this.pendingCandidates.push(c);
      return;
    }
    try {
      await this.pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex });
    } catch {
      // a candidate for a description that was rolled back or ignored
    }
  }

  /**
   * @private ICE restart on failure (§10.1): within a budget before the session first connected;
   * once it had connected, a drop makes it `reconnecting` and {@link Session#recover} restarts ICE
   * until the link is back or the recovery window is over.
   */
  watchConnection() {
    if (this.isOver()) return;
    const ice = this.pc.iceConnectionState;
    if (ice === 'connected' || ice === 'completed') this.restartAttempts = 0;
    if (this.state === 'connected' || this.state === 'reconnecting') {
      const up = (ice === 'connected' || ice === 'completed') && this.pc.connectionState === 'connected';
      if (!up && this.state === 'connected' && ice !== 'checking' && ice !== 'new') {
        this.lostAt = performance.now();
        this.lastRestartAt = -Infinity;
        this.setState('reconnecting');
        clearInterval(this.recoveryTimer);
        this.recoveryTimer = setInterval(() => this.recover(), 1000);
      }
      this.recover();
      return;
    }
    if (ice !== 'failed' && this.pc.connectionState !== 'failed') {
      this.restartPending = false;
      return;
    }
    if (this.restartPending) return;
    const next = iceRecovery({
      iceConnectionState: ice, connectionState: this.pc.connectionState, negotiated: this.negotiated,
      attempts: this.restartAttempts, maxAttempts: this.maxIceRestarts,
    });
    if (next === 'restart') {
      this.restartAttempts++;
      this.restartPending = true;
      this.restartIce();
    } else if (next === 'give-up') {
      this.refuse({ code: 'failed' });
    }
  }

  /** @private one step of recovery from a drop (`negotiation.dropRecovery`). */
  recover() {
    if (this.isOver() || this.state !== 'reconnecting') {
      clearInterval(this.recoveryTimer);
      this.recoveryTimer = null;
      return;
    }
    const now = performance.now();
    const next = dropRecovery({
      iceConnectionState: this.pc.iceConnectionState,
      connectionState: this.pc.connectionState,
      lostForMillis: now - this.lostAt,
      sinceRestartMillis: now - this.lastRestartAt,
      offerPendingMillis: this.pc.signalingState === 'have-local-offer' && this.offerSentAt ? now - this.offerSentAt : 0,
      giveUpMillis: this.recoveryMillis,
    });
    if (next === 'recovered') {
      clearInterval(this.recoveryTimer);
      this.recoveryTimer = null;
      this.setState('connected');
    } else if (next === 'give-up') {
      this.refuse({ code: 'lost' });
    } else if (next === 'restart') {
      this.lastRestartAt = now;
      this.restartIce();
    } else if (next === 'rollback-and-restart') {
      // The peer may have missed the offer while it was cut off: make a new one.
      this.lastRestartAt = now;
      this.offerSentAt = 0;
      this.enqueue(async () => {
        if (this.pc.signalingState === 'have-local-offer') {
          this.stats.rollbacks++;
          await this.pc.setLocalDescription({ type: 'rollback' });
        }
        this.restartIce();
        await this.offer();
      });
    }
  }

  /**
   * Compares the certificate the peer presented in DTLS with the one its signed description
   * named (the signature check alone trusts the SDP; this checks the connection itself, §6). A
   * mismatch refuses the session.
   * @private
   */
  async onControlOpen() {
    let presented = null;
    let report = null;
    for (let tries = 0; tries < CERTIFICATE_STATS_TRIES && !presented; tries++) {
      if (tries > 0) await new Promise((resolve) => { setTimeout(resolve, CERTIFICATE_STATS_INTERVAL_MS); });
      if (this.isOver()) return;
      report = await this.pc.getStats();
      presented = presentedFingerprint(report);
    }
    if (this.isOver()) return;
    if (!presented || !this.signedCertificate) {
      this.refuse({ code: 'certificate-unknown' });
      return;
    }
    if (!certificateMatches(this.signedCertificate, presented)) {
      const detail = certificateMismatchDetail(this.signedCertificate, presented);
      this.refuse({ code: 'certificate-mismatch', detail });
      this.signal(protocol.error({ code: protocol.CERTIFICATE_MISMATCH, message: detail })).catch(() => {});
      return;
    }
    this.verified = true;
    this.setState('connected', selectedRoute(report));
    for (const [label, message] of this.held.splice(0)) this.deliver(label, message);
  }

  /** @private */
  onChannelData(label, data) {
    const message = protocol.readChannelMessage(label, data);
    if (!message) return;
    if (!this.verified) {
      if (this.held.length < MAX_HELD) this.held.push([label, message]);
      return;
    }
    this.deliver(label, message);
  }

  /** @private */
  deliver(label, message) {
    if (label !== 'control') {
      this.onMessage(label, message);
    } else if (message.type === 'ping') {
      this.send('control', protocol.pong(randomNonce(9), message.id));
    } else if (message.type === 'pong') {
      const p = this.pings.get(message.ref);
      if (p) {
        this.pings.delete(message.ref);
        clearTimeout(p.timer);
        p.resolve(performance.now() - p.sent);
      }
    } else if (message.type === 'bye') {
      this.close();
    } else if (message.type === 'capabilities') {
      this.onCapabilities(message.caps);
    }
  }

  /** @private */
  refuse(refusal) {
    if (this.isOver()) return;
    this.refusal = refusal;
    this.shutDown();
    this.setState('refused');
  }

  /** @private */
  shutDown() {
    this.verified = false;
    clearInterval(this.recoveryTimer);
    this.recoveryTimer = null;
    for (const p of this.pings.values()) {
      clearTimeout(p.timer);
      p.resolve(null);
    }
    this.pings.clear();
    try {
      for (const c of this.channels.values()) c.close();
      this.pc.close();
    } catch {
      // already closed
    }
  }

  /**
   * @private
   * @param {SessionState} state
   * @param {import('./connection-stats.js').Route|null} [route] `connected` only: the route the
   *   stats that verified the session named ({@link Session#connectedRoute}).
   */
  setState(state, route = null) {
    if (this.state === state) return;
    this.state = state;
    this.connectedRoute = state === 'connected' ? route : null;
    this.onState(state, this.refusal);
  }
}
