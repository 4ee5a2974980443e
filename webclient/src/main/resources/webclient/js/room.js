/**
 * A room's presence: the people who typed the same secret word. Members announce themselves on
 * the room's presence topic, answer newcomers with a hello in their inbox, admit each other by
 * key (trust on first use, by name), and one of each two starts the session between them: the
 * member answering a newcomer's join when both say `"o":1`, else the smaller peer id
 * (docs/protocol.md §5, "Rooms", step 3). Names travel sealed with the room key (§5.1), and
 * every hello, offer and answer carries proof that its sender knows the word (§6.1): a peer
 * without it (a node announcing a member of its own, say) is refused and never connected. Each session is a {@link Session}; this module
 * only says who talks to whom and routes each peer's signaling messages to its session.
 *
 * Threading: browser main thread; signaling messages are handled one at a time, in arrival order.
 * @module room
 */
import { randomNonce } from './encoding.js';
import { importPeerKey, shortFingerprint, checkPin, pin, meetName, safetyCode } from './identity.js';
import * as protocol from './protocol.js';
import { startsSession, isPolite, firstOffer, FIRST_OFFER_WAIT_MS } from './negotiation.js';
import { Session, prepareConnection } from './session.js';
import { seal, open, helloStatement, membershipMac, checkMembership } from './roomkey.js';

/**
 * @typedef {object} PeerView what the UI shows of one peer.
 * @property {string} id
 * @property {string} name display name as announced ('' when none).
 * @property {string} fingerprint short key fingerprint.
 * @property {'waiting'|'key-changed'|'connecting'|'connected'|'refused'|'closed'} state
 * @property {import('./session.js').Refusal|null} refusal why the session was refused.
 * @property {string} [pinnedFingerprint] the fingerprint pinned earlier, when the key changed.
 * @property {import('./connection-stats.js').Route|null} route
 * @property {boolean} relayed whether the selected remote address is the node's relay.
 * @property {boolean} verified whether the signature and the DTLS certificate were checked.
 * @property {boolean} another the name was met before with another key (and not verified as this
 *   one): shown as "another <name>", not as an attack.
 * @property {boolean} pinned this person verified or accepted this key for this name.
 * @property {string} safetyCode the code both sides compare (`identity.safetyCode`), '' until known.
 * @property {'key-not-accepted'|null} note the peer told us it must accept our key first.
 * @property {string[]|null} caps what the peer's page can do (§5.2 `capabilities`), null until it said.
 */

/**
 * @typedef {object} RoomEvent something the UI may tell the person, as data (the UI words it).
 * @property {'left'|'malformed-announcement'|'key-mismatch'|'key-changed'|'key-not-accepted'|'node-error'|'peer-error'|'refused'|'failed-message'} kind
 * @property {string} [name] the peer's display name.
 * @property {string} [code] error code (node-error, peer-error).
 * @property {string} [message] error text (node-error, peer-error, failed-message).
 * @property {string} [type] message type (failed-message).
 * @property {import('./session.js').Refusal} [refusal] (refused).
 */

/**
 * The `error` code a member sends a peer whose key it holds back until its person accepts it
 * (the name was pinned to another key): the peer can then say why nothing connects.
 */
export const KEY_NOT_ACCEPTED = 'key-not-accepted';

export class Room {
  /**
   * @param {object} o
   * @param {import('./signaling.js').Signaling} o.signaling
   * @param {import('./identity.js').Identity} o.identity
   * @param {import('./roomkey.js').RoomKeys} o.keys the room's id and keys, derived from its word.
   * @param {string} o.name this person's display name.
   * @param {RTCIceServer[]} o.iceServers
   * @param {string} o.relayHost the node's relay address (`relay.host` in node-info.json).
   * @param {(peers: PeerView[]) => void} o.onPeers the peers changed.
   * @param {(from: PeerView, label: string, message: import('./protocol.js').ChannelMessage) => void} o.onMessage
   *   a checked message from a verified peer's `chat` or `file` channel.
   * @param {(event: RoomEvent) => void} o.onEvent
   * @param {string[]} [o.caps] what this page can do (§5.2: `VOICE`, `VIDEO`, `FILE`), announced to
   *   each peer once connected; default all three.
   * @param {boolean} [o.autoStart] start sessions as §5 says (default); false leaves starting to
   *   {@link Room#startSession} (tests make both sides start at once).
   * @param {boolean} [o.offerFirst] take part in §5 step 3's first offer by the member (default):
   *   the join says `"o":1`, and a member answering such a join says so in its hello and offers
   *   at once, whatever the ids; false behaves as a client before that rule (tests).
   */
  constructor(o) {
    this.signaling = o.signaling;
    this.identity = o.identity;
    this.keys = o.keys;
    this.roomId = o.keys.roomId;
    this.name = protocol.cleanName(o.name);
    this.iceServers = o.iceServers;
    this.relayHost = o.relayHost;
    this.onPeers = o.onPeers;
    this.onMessage = o.onMessage;
    this.onEvent = o.onEvent;
    this.autoStart = o.autoStart ?? true;
    this.offerFirst = o.offerFirst ?? true;
    this.caps = o.caps ?? [...protocol.CAPABILITIES];
    this.context = protocol.roomContext(this.roomId);
    this.nonce = randomNonce(16);
    /** performance.now() when this member's join last went out; Infinity before (a join met then
     * counts as met at the same moment: §5 step 3's first offer by the member does not apply). */
    this.announcedAt = Infinity;
    /** @private @type {Map<string, any>} peer id → member record. */
    this.peers = new Map();
    /** @private */
    this.unsubscribers = [];
    /** @private messages are handled one at a time, in arrival order (a hello before the offer behind it). */
    this.queue = Promise.resolve();
    /** @private the connection being made ahead for the next session (`prepareConnection`), or null. */
    this.spare = null;
    /** @private that connection once made and not yet taken, or null. */
    this.spareReady = null;
    /** @private set by {@link Room#leave}: nothing is made ahead any more. */
    this.left = false;
    /** @private a redraw is queued ({@link Room#changedSoon}). */
    this.redrawQueued = false;
  }

  /**
   * @private begins making the next session's connection ahead (`session.prepareConnection`),
   * unless one is made or being made. A failure only means the session makes its own.
   */
  prepareSpare() {
    if (this.spare || this.left || typeof RTCPeerConnection === 'undefined') return;
    const made = prepareConnection(this.iceServers);
    this.spare = made;
    made.then((pc) => {
      if (this.left || this.spare !== made) {
        pc.close();
        return;
      }
      this.spareReady = pc;
    }, () => {
      if (this.spare === made) this.spare = null;
    });
  }

  /**
   * @private the connection made ahead, if it is ready (it is then the caller's), else undefined:
   * a session is never held up waiting for one.
   */
  takeSpare() {
    const pc = this.spareReady;
    if (!pc) return undefined;
    this.spareReady = null;
    this.spare = null;
    return pc;
  }

  /** @private runs `handler` after every message that arrived before. */
  serially(handler) {
    return (m, from) => {
      this.queue = this.queue.then(() => handler(m, from)).catch((e) => {
        console.error('room: handling a message failed', e);
        this.onEvent({ kind: 'failed-message', type: String(m.type), message: e.message });
      });
    };
  }

  /**
   * Subscribes to the inbox and the presence topic (one SUBSCRIBE packet, one round trip), then
   * announces this member.
   */
  async join() {
    const subscribed = this.signaling.subscribeAll([
      [protocol.inboxTopic(this.identity.id), this.serially((m, from) => this.onInbox(m, from))],
      [protocol.presenceTopic(this.roomId), this.serially((m, from) => this.onPresence(m, from))],
    ]);
    // The SUBSCRIBE is written by now (signaling.js writes in the caller's task). The first
    // session's connection is made while the node answers (its certificate is generated off the
    // main thread first), not between a hello and the offer behind it.
    this.prepareSpare();
    this.unsubscribers.push(...await subscribed);
    await this.announce();
  }

  /**
   * Announces this member again after the signaling connection came back: the others saw a
   * `leave` when it dropped, so every session starts over.
   */
  async rejoin() {
    for (const p of this.peers.values()) p.session?.close();
    this.peers.clear();
    this.changed();
    await this.announce();
  }

  /**
   * @private publishes this member's `join` on the presence topic, its name sealed (§5.1). Without
   * `key`: this page's node adds the key it saw at CONNECT to the join it delivers (§5), which
   * saves 131 bytes of every join and hello sent.
   */
  async announce() {
    const box = await seal(this.keys, this.identity.id, { name: this.name });
    this.announcedAt = performance.now();
    return this.signaling.publish(protocol.presenceTopic(this.roomId), protocol.join({ nonce: this.nonce, box, offerFirst: this.offerFirst }));
  }

  /**
   * @returns {boolean} whether a newcomer's join that says `"o":1`, met now, would get the first
   *   offer from this member (§5 step 3; `negotiation.firstOffer`).
   */
  offersFirstNow() {
    return firstOffer({
      takesPart: this.offerFirst, saysSo: true, answeringJoin: true, sinceOwnJoinMs: performance.now() - this.announcedAt,
    }) === 'offer';
  }

  /** Says goodbye, closes every session and unsubscribes. */
  async leave() {
    this.left = true;
    this.takeSpare()?.close();
    try {
      await this.signaling.publish(protocol.presenceTopic(this.roomId), protocol.leave());
    } catch {
      // the broker announces the leave on disconnect anyway
    }
    for (const p of this.peers.values()) p.session?.close();
    this.peers.clear();
    this.unsubscribers.splice(0).forEach((u) => u());
    this.changed();
  }

  /**
   * Sends a message to every verified peer on one channel.
   * @param {'chat'|'file'} label
   * @param {object} message built by `protocol.js`.
   * @returns {number} how many peers it reached.
   */
  broadcast(label, message) {
    let n = 0;
    for (const p of this.peers.values()) {
      if (p.session && p.session.send(label, message)) n++;
    }
    return n;
  }

  /**
   * The session with a peer, for pages that add media or channels to it.
   * @param {string} peerId
   * @returns {Session|null}
   */
  session(peerId) {
    return this.peers.get(peerId)?.session || null;
  }

  /**
   * Starts the session with a peer from this side now, whoever §5 says starts it (with
   * `autoStart` false, both sides may do so at once: negotiation resolves the collision).
   * @param {string} peerId
   * @returns {boolean} whether there was a session to start.
   */
  startSession(peerId) {
    const s = this.session(peerId);
    if (!s) return false;
    s.start();
    return true;
  }

  /**
   * Accepts a peer's changed key after the user confirmed it, pins it, and connects.
   * @param {string} peerId
   */
  trustNewKey(peerId) {
    const p = this.peers.get(peerId);
    if (!p || p.state !== 'key-changed') return;
    pin(p.name, p.id);
    p.pinned = true;
    p.another = false;
    p.state = 'waiting';
    p.pinnedFingerprint = undefined;
    this.admit(p);
    const pending = p.pendingDescription;
    p.pendingDescription = null;
    if (pending) this.queue = this.queue.then(() => p.session?.receive(pending));
  }

  /**
   * The person compared the safety code with this peer: pins the peer's key to its name, so that
   * another key under this name later is a warning.
   * @param {string} peerId
   */
  markVerified(peerId) {
    const p = this.peers.get(peerId);
    if (!p || !p.name) return;
    pin(p.name, p.id);
    p.pinned = true;
    p.another = false;
    this.changed();
  }

  /** @returns {Promise<PeerView[]>} the peers with their current routes. */
  async snapshot() {
    for (const p of this.peers.values()) {
      if (p.session && p.session.state === 'connected') {
        p.route = await p.session.route();
        p.relayed = !!p.route && p.route.remoteAddress === this.relayHost;
      }
    }
    return this.views();
  }

  /** @private */
  views() {
    return [...this.peers.values()].map((p) => this.view(p));
  }

  /** @private */
  view(p) {
    const s = p.session;
    const state = !s || s.state === 'new' ? p.state : s.state;
    return {
      id: p.id, name: p.name, fingerprint: p.fingerprint, state, refusal: s?.refusal || p.refusal || null,
      pinnedFingerprint: p.pinnedFingerprint, route: p.route || null, relayed: !!p.relayed, verified: !!s?.verified,
      another: !!p.another, pinned: !!p.pinned, safetyCode: p.safetyCode || '', note: state === 'connected' ? null : p.note || null,
      caps: p.caps || null,
    };
  }

  /** @private */
  changed() {
    this.onPeers(this.views());
  }

  /**
   * @private redraws once after the work already begun in this task (a microtask later): a
   * session's description, begun as it starts, is then made while the view redraws, not after.
   * Several calls in one task redraw once.
   */
  changedSoon() {
    if (this.redrawQueued) return;
    this.redrawQueued = true;
    queueMicrotask(() => {
      this.redrawQueued = false;
      this.changed();
    });
  }

  /** @private */
  async onPresence(m, from) {
    if (from === this.identity.id) return;
    if (m.type === 'join') {
      await this.meet(from, m, true);
    } else if (m.type === 'leave') {
      const p = this.peers.get(from);
      if (p) {
        p.session?.close();
        this.peers.delete(from);
        this.onEvent({ kind: 'left', name: p.name });
        this.changed();
      }
    }
  }

  /** @private */
  async onInbox(m, from) {
    if (from === protocol.NODE_SENDER) {
      const e = protocol.readError(m);
      if (e) this.onEvent({ kind: 'node-error', code: e.code, message: e.message });
      return;
    }
    if (m.type === 'hello') {
      if (m.room === this.roomId) await this.meet(from, m, false);
      return;
    }
    const p = this.peers.get(from);
    if (!p) return;
    if (m.type === 'error') {
      const e = protocol.readError(m);
      if (e && e.code === KEY_NOT_ACCEPTED) {
        p.note = KEY_NOT_ACCEPTED;
        this.onEvent({ kind: 'key-not-accepted', name: p.name });
        this.changed();
      } else if (e) {
        this.onEvent({ kind: 'peer-error', name: p.name, code: e.code, message: e.message });
      }
      return;
    }
    if (m.type === 'capabilities') {
      // The earlier form (§10.2): a peer that sends its capabilities through the node reads ours
      // only in the same form, so it gets them so once.
      const c = protocol.readCapabilities(m);
      if (c && c.context === this.context) {
        p.caps = c.caps;
        this.changed();
        if (!p.capsSentInbox) {
          p.capsSentInbox = true;
          this.signaling.publish(protocol.inboxTopic(p.id), protocol.capabilities({ caps: this.caps, context: this.context }))
            .catch(() => { p.capsSentInbox = false; });
        }
      }
      return;
    }
    if (m.context !== this.context) return;
    if (p.state === 'key-changed') {
      if (m.type === 'offer') p.pendingDescription = m;
      return;
    }
    // A peer whose session ended may start a new one with a new offer.
    if (m.type === 'offer' && p.session && (p.session.state === 'closed' || p.session.state === 'refused')) {
      p.session = this.newSession(p);
    }
    await p.session?.receive(m);
  }

  /**
   * A member announced itself (join on presence, or hello in our inbox).
   * @private
   */
  async meet(from, m, answerWithHello) {
    const a = protocol.readAnnouncement(m, from);
    if (!a) {
      this.onEvent({ kind: 'malformed-announcement' });
      return;
    }
    const key = await importPeerKey(a.key, from);
    if (!key) {
      this.onEvent({ kind: 'key-mismatch' });
      return;
    }
    let p = this.peers.get(from);
    if (p && p.nonce === a.nonce) return;
    if (p) p.session?.close();
    // Does the sender know the word? Its box must open with the room key under its own id (§5.1),
    // and a hello must carry the MAC over this join's nonce (§6.1), so an old one cannot be replayed.
    const content = await open(this.keys, from, a.box);
    const proven = !!content && (answerWithHello || await checkMembership(this.keys, helloStatement({
      roomId: this.roomId, senderId: from, recipientId: this.identity.id, senderNonce: a.nonce, recipientNonce: this.nonce,
    }), a.mac));
    if (!proven) {
      // Not a member: listed as refused, and told nothing (no hello, no session).
      const refusal = { code: 'no-word' };
      p = { id: from, key, name: '', nonce: a.nonce, fingerprint: shortFingerprint(from), state: 'refused', refusal, session: null };
      this.peers.set(from, p);
      this.onEvent({ kind: 'refused', name: '', refusal });
      this.changed();
      return;
    }
    const name = protocol.cleanName(content.name);
    // Who makes the first offer (§5 step 3): a member answering a join that says "o":1 offers
    // at once, and says so in its hello ("o":1), whatever the ids (one trip through the node
    // less when the newcomer has the smaller id); the newcomer told so waits for that offer.
    // Without the field on either side, the smaller id offers, as before the rule.
    const first = firstOffer({
      takesPart: this.offerFirst, saysSo: a.offerFirst, answeringJoin: answerWithHello,
      sinceOwnJoinMs: performance.now() - this.announcedAt,
    });
    p = { id: from, key, name, nonce: a.nonce, fingerprint: shortFingerprint(from), state: 'waiting', session: null, first };
    this.peers.set(from, p);
    let helloSent = null;
    if (answerWithHello) {
      const mac = await membershipMac(this.keys, helloStatement({
        roomId: this.roomId, senderId: this.identity.id, recipientId: from, senderNonce: this.nonce, recipientNonce: a.nonce,
      }));
      // Not waited for before the session starts: the node delivers this client's messages in
      // the order it published them (§4), so the hello reaches the newcomer before any offer,
      // and the offer need not wait for the hello's PUBACK (a round trip through the node). It
      // is written in this task (signaling.js), before the session is built and the view redrawn.
      helloSent = this.signaling.publish(protocol.inboxTopic(from), protocol.hello({
        room: this.roomId, nonce: this.nonce,
        box: await seal(this.keys, this.identity.id, { name: this.name }), mac, offerFirst: first === 'offer',
      }));
    }
    // Names are not unique: only a key this person verified or accepted makes another key under
    // the same name a warning, and not while that very key is here too (two people, one name).
    // Decided in the hello's task, without an await: an offer that follows (admit) is begun at
    // once, not a WebCrypto round trip and whatever the page queued meanwhile later (about 15 ms
    // between the hello and the offer's setLocalDescription at load in BrowserFiguresIT). The
    // safety code is only shown once connected, so it is worked out after.
    const pinned = checkPin(name, from);
    const pinnedHere = pinned.status === 'changed' && this.peers.has(pinned.pinnedId);
    p.another = meetName(name, from) && pinned.status !== 'known';
    p.pinned = pinned.status === 'known';
    if (pinned.status === 'changed' && !pinnedHere) {
      p.state = 'key-changed';
      p.pinnedFingerprint = shortFingerprint(pinned.pinnedId);
      this.onEvent({ kind: 'key-changed', name });
      this.changed();
      // The other side would otherwise see only "waiting": tell it why (a code, no names: the
      // node reads inbox messages).
      this.signaling.publish(protocol.inboxTopic(from), protocol.error({ code: KEY_NOT_ACCEPTED })).catch(() => {});
    } else {
      this.admit(p);
    }
    p.safetyCode = await safetyCode(this.identity.id, from);
    this.changedSoon();
    // A refused hello still fails this message (reported as failed-message), as before.
    await helloSent;
  }

  /**
   * @private a member whose key is accepted gets a session; §5 says which side starts it: the
   * side `p.first` names when both said `"o":1` (step 3), else the smaller id.
   */
  admit(p) {
    p.session = this.newSession(p);
    const starts = this.autoStart && (p.first === 'offer' || (p.first !== 'wait' && startsSession(this.identity.id, p.id)));
    // Started before the redraw is queued: the offer's first step (a microtask on the session's
    // queue) then runs ahead of the redraw's, and setLocalDescription works on WebRTC's thread
    // while the view redraws.
    if (starts) p.session.start();
    this.changedSoon();
    if (starts || !this.autoStart) return;
    // The other side starts; if no offer has come when the wait is over, this side offers (§5).
    const session = p.session;
    setTimeout(() => {
      if (p.session === session && session.state === 'new') session.start();
    }, FIRST_OFFER_WAIT_MS);
  }

  /** @private */
  newSession(p) {
    const session = new Session({
      identity: this.identity,
      nonce: this.nonce,
      peer: { id: p.id, key: p.key, nonce: p.nonce },
      context: this.context,
      polite: isPolite(this.identity.id, p.id),
      membership: {
        mac: (statement) => membershipMac(this.keys, statement),
        check: (statement, mac) => checkMembership(this.keys, statement, mac),
      },
      iceServers: this.iceServers,
      pc: this.takeSpare(),
      signal: (message) => this.signaling.publish(protocol.inboxTopic(p.id), message),
      onState: (state, refusal) => {
        if (p.session !== session) return;
        if (state === 'refused') this.onEvent({ kind: 'refused', name: p.name, refusal });
        if (state === 'connected') {
          // Shown at once with the route the certificate check's stats named (no second
          // getStats); a session that reconnected reads its route again first.
          const route = session.connectedRoute;
          if (route) {
            p.route = route;
            p.relayed = route.remoteAddress === this.relayHost;
            this.changed();
          } else {
            this.snapshot().then(() => this.changed());
          }
          if (p.capsSentOn !== session) {
            // What this page can do, in the call vocabulary (§5.2), end to end on the control
            // channel (§10.2): nothing through the node.
            p.capsSentOn = session;
            session.send('control', protocol.channelCapabilities(randomNonce(9), this.caps));
          }
          // The next member's session finds its connection made, begun once this one is shown
          // (a task later: its certificate and connection cost 5-10 ms of main thread).
          setTimeout(() => this.prepareSpare(), 0);
        } else {
          p.route = null;
          p.relayed = false;
          this.changedSoon();
        }
      },
      onMessage: (label, message) => {
        if (p.session === session) this.onMessage(this.view(p), label, message);
      },
      onCapabilities: (caps) => {
        if (p.session !== session) return;
        p.caps = caps;
        // They come as the session connects, sometimes before its route was read: reported with
        // the route, so the view never shows a relayed session as direct for a moment.
        if (p.route) this.changed();
        else this.snapshot().then(() => this.changed());
      },
    });
    return session;
  }
}
