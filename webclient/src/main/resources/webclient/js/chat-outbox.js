/**
 * Delivery of chat lines (docs/protocol.md §10.2, `receipt`): which lines each peer still has to
 * confirm, which to send again on a new session after a drop, and which received lines were seen
 * already (a resent line is shown once). Pure: no browser objects, the caller sends.
 *
 * A line goes to the peers present when it was written (its targets). It is sent once per
 * session: SCTP is reliable and ordered, so a line handed to a session that later recovers from a
 * drop arrives by itself; a line that could not be handed over (the channel was closed) or whose
 * session was replaced is sent again, in the original order, on the peer's next session. The
 * receiver answers every copy with a receipt and shows a line only the first time.
 *
 * Threading: browser main thread (or Node in tests).
 * @module chat-outbox
 */

/**
 * @typedef {'sent'|'delivered'|'retrying'|'undelivered'} DeliveryState
 * `sent`: handed to every target's session, no receipt yet; `delivered`: every target confirmed;
 * `retrying`: a target has not confirmed it within the retry delay, or could not be sent to (it
 * is sent again when that peer's session is back); `undelivered`: every target that had not
 * confirmed it left.
 */

/**
 * @typedef {object} OutgoingLine
 * @property {string} id the chat message id.
 * @property {string} text
 * @property {number} at when it was written, epoch milliseconds.
 * @property {Map<string, {acked: boolean, session: any, sentAt: number}>} targets per peer id:
 *   whether it confirmed, the session the line was last handed to (null: none), and when.
 */

export class ChatOutbox {
  /**
   * @param {object} [o]
   * @param {() => number} [o.now] clock in milliseconds; default `Date.now`.
   * @param {number} [o.retryAfterMillis] how long a line may wait for its receipt before it shows
   *   as `retrying`; default 4000.
   * @param {number} [o.maxLines] lines kept (oldest delivered ones forgotten first); default 1000.
   * @param {number} [o.maxSeen] received ids remembered per peer, for duplicates; default 2000.
   */
  constructor(o = {}) {
    this.now = o.now || (() => Date.now());
    this.retryAfterMillis = o.retryAfterMillis ?? 4000;
    this.maxLines = o.maxLines ?? 1000;
    this.maxSeen = o.maxSeen ?? 2000;
    /** @type {Map<string, OutgoingLine>} in the order written. */
    this.lines = new Map();
    /** @private @type {Map<string, Set<string>>} */
    this.seen = new Map();
  }

  /**
   * A line was written.
   * @param {string} id
   * @param {string} text
   * @param {string[]} targets the peer ids it is for.
   * @returns {OutgoingLine}
   */
  add(id, text, targets) {
    const line = { id, text, at: this.now(), targets: new Map(targets.map((t) => [t, { acked: false, session: null, sentAt: 0 }])) };
    this.lines.set(id, line);
    if (this.lines.size > this.maxLines) {
      for (const [k, l] of this.lines) {
        if (this.lines.size <= this.maxLines) break;
        if (this.state(k) === 'delivered' || this.state(k) === 'undelivered') this.lines.delete(k);
      }
      // every kept line is still pending: forget the oldest anyway (bounded memory)
      while (this.lines.size > this.maxLines) this.lines.delete(this.lines.keys().next().value);
    }
    return line;
  }

  /**
   * The lines a peer's session should be handed now: unconfirmed, and not yet handed to this
   * session; oldest first.
   * @param {string} peerId
   * @param {any} session the peer's current session (compared by identity).
   * @returns {OutgoingLine[]}
   */
  due(peerId, session) {
    const out = [];
    for (const line of this.lines.values()) {
      const t = line.targets.get(peerId);
      if (t && !t.acked && t.session !== session) out.push(line);
    }
    return out;
  }

  /**
   * A line was handed to a peer's session.
   * @param {string} id
   * @param {string} peerId
   * @param {any} session
   */
  sent(id, peerId, session) {
    const t = this.lines.get(id)?.targets.get(peerId);
    if (t) {
      t.session = session;
      t.sentAt = this.now();
    }
  }

  /**
   * A receipt came from a peer.
   * @param {string} ref the confirmed line's id.
   * @param {string} peerId
   * @returns {boolean} whether it confirmed a line of ours that was unconfirmed by this peer.
   */
  confirm(ref, peerId) {
    const t = this.lines.get(ref)?.targets.get(peerId);
    if (!t || t.acked) return false;
    t.acked = true;
    return true;
  }

  /**
   * Peers that are gone for good (left the room): they will confirm nothing more.
   * @param {Set<string>} present the peer ids still present.
   * @returns {string[]} ids of lines whose state may have changed.
   */
  retain(present) {
    const changed = [];
    for (const line of this.lines.values()) {
      for (const [peerId, t] of line.targets) {
        if (!t.acked && !present.has(peerId)) {
          t.gone = true;
          changed.push(line.id);
        }
      }
    }
    return changed;
  }

  /**
   * @param {string} id
   * @returns {DeliveryState|null} null for an unknown id.
   */
  state(id) {
    const line = this.lines.get(id);
    if (!line) return null;
    const open = [...line.targets.values()].filter((t) => !t.acked && !t.gone);
    if (open.length === 0) {
      return [...line.targets.values()].some((t) => t.acked) ? 'delivered' : 'undelivered';
    }
    const now = this.now();
    const late = open.some((t) => !t.session || now - t.sentAt >= this.retryAfterMillis);
    return late ? 'retrying' : 'sent';
  }

  /**
   * A chat line arrived from a peer.
   * @param {string} peerId
   * @param {string} id
   * @returns {boolean} true the first time this peer's line `id` arrives; false for a copy.
   */
  firstTime(peerId, id) {
    let ids = this.seen.get(peerId);
    if (!ids) this.seen.set(peerId, ids = new Set());
    if (ids.has(id)) return false;
    ids.add(id);
    if (ids.size > this.maxSeen) ids.delete(ids.values().next().value);
    return true;
  }
}
