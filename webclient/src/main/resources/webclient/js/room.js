/**
 * A room: the people who typed the same secret word. Members announce themselves on the room's
 * presence topic, answer newcomers with a hello in their inbox, and the member with the smaller
 * peer id offers. Offers and answers are signed end to end over the DTLS fingerprints
 * (docs/protocol.md, "Rooms" and "End-to-end signature").
 * @module room
 */
import { randomNonce, toBase64Url, fromBase64Url } from './encoding.js';
import {
  importPeerKey, sign, verify, sessionStatement, signedFingerprint, shortFingerprint, checkPin, pin, PEER_ID, NONCE,
} from './identity.js';
import { presenceTopic, inboxTopic } from './signaling.js';
import { PeerLink } from './peer.js';


/**
 * @typedef {object} PeerView what the UI shows of one peer.
 * @property {string} id
 * @property {string} name
 * @property {string} fingerprint short key fingerprint.
 * @property {'waiting'|'key-changed'|'connecting'|'connected'|'refused'|'closed'} state
 * @property {string} [reason] why a connection was refused.
 * @property {string} [pinnedFingerprint] the fingerprint pinned earlier, when the key changed.
 * @property {import('./peer.js').Route|null} [route]
 * @property {boolean} [relayed] whether the selected remote address is the node's relay.
 */

export class Room {
  /**
   * @param {object} o
   * @param {import('./signaling.js').Signaling} o.signaling
   * @param {import('./identity.js').Identity} o.identity
   * @param {string} o.roomId
   * @param {string} o.name this person's display name.
   * @param {object} o.nodeInfo the node's /node-info.json.
   * @param {RTCIceServer[]} o.iceServers
   * @param {(peers: PeerView[])=>void} o.onPeers
   * @param {(from: PeerView, text: string)=>void} o.onChat
   * @param {(text: string)=>void} o.onNotice errors and notices for the log.
   */
  constructor(o) {
    Object.assign(this, o);
    this.context = `room:${o.roomId}`;
    this.nonce = randomNonce(16);
    /** @type {Map<string, any>} */
    this.peers = new Map();
    this.unsubscribers = [];
    /** Messages are handled one at a time, in arrival order (a hello must be done before the offer behind it). */
    this.queue = Promise.resolve();
  }

  /** @private runs `handler` after every message that arrived before. */
  serially(handler) {
    return (m, from) => {
      this.queue = this.queue.then(() => handler(m, from)).catch((e) => {
        console.error('room: handling a message failed', e);
        this.onNotice(`Could not handle a ${m.type} message: ${e.message}`);
      });
    };
  }

  /** Subscribes to the inbox and the presence topic, then announces this member. */
  async join() {
    this.unsubscribers.push(await this.signaling.subscribe(inboxTopic(this.identity.id),
      this.serially((m, from) => this.onInbox(m, from))));
    this.unsubscribers.push(await this.signaling.subscribe(presenceTopic(this.roomId),
      this.serially((m, from) => this.onPresence(m, from))));
    await this.announce();
  }

  /**
   * Announces this member again after the signaling connection came back: the others saw a
   * `leave` when it dropped, so every connection starts over.
   */
  async rejoin() {
    for (const p of this.peers.values()) p.link?.close();
    this.peers.clear();
    this.changed();
    await this.announce();
  }

  /** @private publishes this member's `join` on the presence topic. */
  announce() {
    return this.signaling.publish(presenceTopic(this.roomId), {
      v: 1, type: 'join', key: toBase64Url(this.identity.spki), nonce: this.nonce, name: this.name,
    });
  }

  /** Says goodbye, closes every connection and unsubscribes. */
  async leave() {
    try {
      await this.signaling.publish(presenceTopic(this.roomId), { v: 1, type: 'leave' });
    } catch {
      // the broker announces the leave on disconnect anyway
    }
    for (const p of this.peers.values()) p.link?.close();
    this.peers.clear();
    this.unsubscribers.splice(0).forEach((u) => u());
    this.changed();
  }

  /**
   * Sends a chat line to every connected peer.
   * @param {string} text
   * @returns {number} how many peers it reached.
   */
  send(text) {
    let n = 0;
    for (const p of this.peers.values()) {
      if (p.link && p.link.send(JSON.stringify({ t: 'chat', text }))) n++;
    }
    return n;
  }

  /**
   * Accepts a peer's changed key after the user confirmed it, pins it, and connects.
   * @param {string} peerId
   */
  trustNewKey(peerId) {
    const p = this.peers.get(peerId);
    if (!p || p.state !== 'key-changed') return;
    pin(p.name, p.id);
    p.state = 'waiting';
    p.pinnedFingerprint = undefined;
    this.changed();
    this.proceed(p);
  }

  /** @returns {Promise<PeerView[]>} the peers with their current routes. */
  async snapshot() {
    for (const p of this.peers.values()) {
      if (p.link && p.state === 'connected') {
        p.route = await p.link.route();
        p.relayed = !!p.route && p.route.remoteAddress === this.nodeInfo.relay.host;
      }
    }
    return this.views();
  }

  /** @private */
  views() {
    return [...this.peers.values()].map((p) => ({
      id: p.id, name: p.name, fingerprint: p.fingerprint, state: p.state, reason: p.reason,
      pinnedFingerprint: p.pinnedFingerprint, route: p.route || null, relayed: !!p.relayed,
    }));
  }

  /** @private */
  changed() {
    this.onPeers(this.views());
  }

  /** @private */
  async onPresence(m, from) {
    if (from === this.identity.id) return;
    if (m.type === 'join') {
      await this.meet(from, m, true);
    } else if (m.type === 'leave') {
      const p = this.peers.get(from);
      if (p) {
        p.link?.close();
        this.peers.delete(from);
        this.onNotice(`${p.name} left`);
        this.changed();
      }
    }
  }

  /** @private */
  async onInbox(m, from) {
    if (from === 'node') {
      if (m.type === 'error') this.onNotice(`The node refused a message: ${m.message || m.code}`);
      return;
    }
    if (m.type === 'hello') {
      if (m.room === this.roomId) await this.meet(from, m, false);
      return;
    }
    const p = this.peers.get(from);
    if (!p) return;
    if (m.type === 'error') {
      this.onNotice(`${p.name}: ${m.message || m.code}`);
      return;
    }
    if (m.context !== this.context) return;
    if (m.type === 'offer' || m.type === 'answer') {
      if (p.state === 'key-changed') {
        p.pendingDescription = m;
        return;
      }
      await this.onDescription(p, m);
    } else if (m.type === 'candidate' && p.link && typeof m.candidate === 'string') {
      await p.link.addCandidate({ candidate: m.candidate, sdpMid: m.sdpMid ?? null, sdpMLineIndex: m.sdpMLineIndex ?? null });
    } else if (m.type === 'hangup') {
      p.link?.close();
      p.link = null;
      p.state = 'closed';
      this.changed();
    }
  }

  /**
   * A member announced itself (join on presence, or hello in our inbox).
   * @private
   */
  async meet(from, m, answerWithHello) {
    if (!PEER_ID.test(from) || typeof m.nonce !== 'string' || !NONCE.test(m.nonce)) {
      this.onNotice('Ignored a malformed announcement');
      return;
    }
    const key = await importPeerKey(m.key, from);
    if (!key) {
      this.onNotice('Ignored an announcement whose key does not match its sender');
      return;
    }
    const name = typeof m.name === 'string' && m.name.trim() ? m.name.trim().slice(0, 64) : 'anonymous';
    let p = this.peers.get(from);
    if (p && p.nonce === m.nonce) return;
    if (p) p.link?.close();
    p = { id: from, key, name, nonce: m.nonce, fingerprint: shortFingerprint(from), state: 'waiting', link: null };
    this.peers.set(from, p);
    if (answerWithHello) {
      await this.signaling.publish(inboxTopic(from), {
        v: 1, type: 'hello', room: this.roomId, key: toBase64Url(this.identity.spki), nonce: this.nonce, name: this.name,
      });
    }
    const pinned = checkPin(name, from);
    if (pinned.status === 'changed') {
      p.state = 'key-changed';
      p.pinnedFingerprint = shortFingerprint(pinned.pinnedId);
      this.onNotice(`Warning: ${name} has a different key than before. Nothing connects until you accept it.`);
      this.changed();
      return;
    }
    if (pinned.status === 'new') pin(name, from);
    this.changed();
    this.proceed(p);
  }

  /** @private */
  async proceed(p) {
    if (p.pendingDescription) {
      const d = p.pendingDescription;
      p.pendingDescription = null;
      await this.onDescription(p, d);
      return;
    }
    // The member with the smaller id offers, so exactly one side does.
    if (this.identity.id < p.id && !p.link) {
      p.link = this.newLink(p, true);
      p.state = 'connecting';
      this.changed();
      const sdp = await p.link.createOffer();
      await this.sendDescription(p, 'offer', sdp);
    }
  }

  /** @private */
  newLink(p, offerer) {
    return new PeerLink({
      iceServers: this.iceServers,
      offerer,
      onCandidate: (c) => {
        if (!c || !c.candidate) return;
        this.signaling.publish(inboxTopic(p.id), {
          v: 1, type: 'candidate', context: this.context, candidate: c.candidate,
          sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex,
        }).catch(() => {});
      },
      onMessage: (text) => {
        let m = null;
        try {
          m = JSON.parse(text);
        } catch {
          return;
        }
        if (m && m.t === 'chat' && typeof m.text === 'string') this.onChat(this.views().find((v) => v.id === p.id), m.text);
      },
      onState: (s) => {
        if (p.link === null) return;
        if (s === 'open') {
          this.checkCertificate(p).then((ok) => {
            if (!ok) return;
            p.state = 'connected';
            this.snapshot().then(() => this.changed());
          });
        } else if (s === 'failed') {
          p.state = 'refused';
          p.reason = 'the connection failed';
        } else if (s === 'closed') {
          p.state = 'closed';
        }
        this.changed();
      },
    });
  }

  /**
   * Compares the certificate the peer presented in DTLS with the fingerprint its signed SDP named
   * (the signature check alone trusts the SDP; this checks the connection itself). A mismatch
   * closes the connection.
   * @private
   * @returns {Promise<boolean>} whether the connection may be used.
   */
  async checkCertificate(p) {
    const link = p.link;
    const presented = link ? await link.remoteFingerprint() : null;
    if (link && presented && p.signedFingerprint
      && presented.toLowerCase() === p.signedFingerprint.toLowerCase()) return true;
    if (!link || p.link !== link) return false;
    link.close();
    p.link = null;
    p.state = 'refused';
    p.reason = presented
      ? 'the certificate in the connection is not the one the signed description named: someone is in the middle'
      : 'the browser did not report the peer\'s certificate, so the connection could not be checked';
    this.onNotice(`Refused ${p.name}: ${p.reason}`);
    this.changed();
    return false;
  }

  /** @private */
  async sendDescription(p, type, sdp) {
    const statement = sessionStatement({
      context: this.context, type, senderId: this.identity.id, recipientId: p.id,
      senderNonce: this.nonce, recipientNonce: p.nonce, sdp,
    });
    if (!statement) throw new Error('the local SDP has no DTLS fingerprint');
    const sig = toBase64Url(await sign(this.identity, statement));
    await this.signaling.publish(inboxTopic(p.id), { v: 1, type, context: this.context, sdp, sig });
  }

  /** @private */
  async onDescription(p, m) {
    const statement = typeof m.sdp === 'string' && sessionStatement({
      context: this.context, type: m.type, senderId: p.id, recipientId: this.identity.id,
      senderNonce: p.nonce, recipientNonce: this.nonce, sdp: m.sdp,
    });
    const sig = fromBase64Url(m.sig);
    if (!statement || !sig || !(await verify(p.key, sig, statement))) {
      p.link?.close();
      p.link = null;
      p.state = 'refused';
      p.reason = `the ${m.type}'s signature does not match: someone between you (the node or the network) `
        + 'changed the call\'s keys, so it was refused';
      this.onNotice(`Refused ${p.name}: ${p.reason}`);
      this.changed();
      this.signaling.publish(inboxTopic(p.id), {
        v: 1, type: 'error', code: 'bad-signature', message: `signature on your ${m.type} did not verify`,
      }).catch(() => {});
      return;
    }
    // What DTLS must present once connected: checked against the certificate the peer really uses.
    p.signedFingerprint = signedFingerprint(m.sdp);
    try {
      if (m.type === 'offer') {
        if (p.link) p.link.close();
        p.link = this.newLink(p, false);
        p.state = 'connecting';
        this.changed();
        const answer = await p.link.acceptOffer(m.sdp);
        await this.sendDescription(p, 'answer', answer);
      } else if (p.link) {
        await p.link.acceptAnswer(m.sdp);
      }
    } catch (e) {
      p.state = 'refused';
      p.reason = `could not apply the ${m.type}: ${e.message}`;
      this.onNotice(`${p.name}: ${p.reason}`);
      this.changed();
    }
  }
}
