/**
 * The call view: the people in a conversation, the chat with them, and (as they are added) files,
 * media and statistics, mounted into any page once its sessions exist. The room page mounts it
 * when it joins a room; the callee and lobby pages mount the same view once a call is answered.
 *
 * The view does not know rooms or calls: it talks to a {@link Link}, which says who the peers are
 * and gives their sessions. {@link createHub} makes a Link a page feeds from its own callbacks
 * (`Room`'s `onPeers`/`onMessage`, or one `Session`'s `onState`/`onMessage`).
 *
 * Every id in the view's markup is the one the room page had (`peers`, `log`, `chat-form`,
 * `message`, `send`), so a page mounts at most one view at a time.
 *
 * Threading: browser main thread.
 * @module ui/call-view
 */
import { randomNonce } from '../encoding.js';
import * as protocol from '../protocol.js';
import { ChatOutbox } from '../chat-outbox.js';
import { deliveryText, displayName, keyChangedWarning, peerStateText, refusalText } from './text.js';

/**
 * @typedef {object} LinkEvent
 * @property {'peers'|'message'|'notice'} kind `peers`: the list changed (`peers`); `message`: a
 *   checked message from a verified peer (`from`, `label`, `message`); `notice`: a line for the log
 *   (`text`).
 * @property {import('../room.js').PeerView[]} [peers]
 * @property {import('../room.js').PeerView} [from]
 * @property {string} [label] the channel: `chat` or `file`.
 * @property {import('../protocol.js').ChannelMessage} [message]
 * @property {string} [text]
 */

/**
 * @typedef {object} Link what the view needs of a conversation.
 * @property {string} name this person's display name.
 * @property {(peerId: string) => (import('../session.js').Session|null)} session the session with a peer.
 * @property {() => import('../room.js').PeerView[]} peers the peers as last reported.
 * @property {(listener: (e: LinkEvent) => void) => (() => void)} subscribe returns its own unsubscribe.
 * @property {((peerId: string) => void)|undefined} [trust] accepts a peer's changed key (rooms).
 */

/**
 * A {@link Link} fed by the page: it forwards what the page's room or session reports to the
 * views subscribed to it.
 * @param {object} o
 * @param {string} o.name this person's display name.
 * @param {(peerId: string) => (import('../session.js').Session|null)} o.session
 * @param {(peerId: string) => void} [o.trust]
 * @returns {{link: Link, peers: (peers: import('../room.js').PeerView[]) => void,
 *   message: (from: import('../room.js').PeerView, label: string, message: object) => void,
 *   notice: (text: string) => void}} the link and the three feeds.
 */
export function createHub({ name, session, trust }) {
  const listeners = new Set();
  let last = [];
  const emit = (e) => listeners.forEach((l) => {
    try {
      l(e);
    } catch (err) {
      console.error('call-view: a listener failed', err);
    }
  });
  const link = {
    name,
    session,
    trust,
    peers: () => last,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    link,
    peers: (peers) => {
      last = peers;
      emit({ kind: 'peers', peers });
    },
    message: (from, label, message) => emit({ kind: 'message', from, label, message }),
    notice: (text) => emit({ kind: 'notice', text }),
  };
}

/**
 * @typedef {object} CallView the handle {@link mount} returns.
 * @property {() => void} destroy unsubscribes and removes the view's markup. Idempotent.
 * @property {(text: string, kind?: string) => void} log adds a line to the chat log.
 * @property {() => HTMLElement} element the view's root element.
 */

/**
 * Mounts the call view into `container` (appended; the container keeps its other children).
 * @param {HTMLElement} container
 * @param {Link} link
 * @param {object} [options]
 * @param {(peers: import('../room.js').PeerView[]) => void} [options.onPeers] called after the view
 *   rendered a new peer list (pages update their status line from it).
 * @param {() => number} [options.now] clock in epoch milliseconds (tests).
 * @returns {CallView}
 */
export function mount(container, link, options = {}) {
  const now = options.now || (() => Date.now());
  const doc = container.ownerDocument;
  const root = doc.createElement('div');
  root.className = 'call-view';
  root.innerHTML = `
    <h2 id="peers-title">People</h2>
    <ul id="peers" aria-labelledby="peers-title"></ul>
    <h2 id="log-title">Chat</h2>
    <ol id="log" role="log" aria-live="polite" aria-labelledby="log-title"></ol>
    <form id="chat-form" autocomplete="off">
      <label for="message" class="visually-hidden">Message</label>
      <input id="message" maxlength="${protocol.MAX_CHAT_TEXT}" placeholder="Write a message" enterkeyhint="send" disabled>
      <button id="send" type="submit" disabled>Send</button>
    </form>`;
  container.append(root);
  const q = (sel) => root.querySelector(sel);
  const peersEl = q('#peers');
  const logEl = q('#log');
  const input = q('#message');
  const sendButton = q('#send');
  let wasOpen = false;
  const outbox = new ChatOutbox({ now });
  /** @type {Map<string, HTMLElement>} my lines by message id, until final. */
  const pending = new Map();
  /** Peers a line can go to now: connected, or reconnecting after a drop (it waits in SCTP). */
  const reachable = (p) => p.state === 'connected' || p.state === 'reconnecting';

  function line(kind) {
    const li = doc.createElement('li');
    li.className = kind;
    return li;
  }

  function timeOf(millis) {
    const t = doc.createElement('time');
    const d = new Date(millis);
    t.dateTime = d.toISOString();
    t.textContent = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return t;
  }

  function append(li) {
    const atBottom = logEl.scrollHeight - logEl.scrollTop - logEl.clientHeight < 40;
    logEl.append(li);
    if (atBottom) logEl.scrollTop = logEl.scrollHeight;
  }

  function log(text, kind = 'notice') {
    const li = line(kind);
    li.append(text, ' ', timeOf(now()));
    append(li);
  }

  function chatLine(who, text, mine) {
    const li = line(mine ? 'chat mine' : 'chat theirs');
    const whoEl = doc.createElement('span');
    whoEl.className = 'who';
    whoEl.textContent = who;
    const textEl = doc.createElement('span');
    textEl.className = 'text';
    textEl.textContent = text;
    li.append(whoEl, ': ', textEl, ' ', timeOf(now()));
    append(li);
    return li;
  }

  function renderPeers(peers) {
    peersEl.replaceChildren();
    for (const p of peers) {
      const li = doc.createElement('li');
      li.className = p.state;
      li.dataset.peer = p.id;
      li.dataset.state = p.state;
      const title = doc.createElement('strong');
      title.textContent = displayName(p.name);
      const fp = doc.createElement('code');
      fp.className = 'fingerprint';
      fp.textContent = p.fingerprint;
      li.append(title, ' ', fp, ' ', peerStateText(p));
      if (p.state === 'key-changed') {
        const warn = doc.createElement('div');
        warn.className = 'warning';
        warn.textContent = keyChangedWarning(p);
        if (link.trust) {
          const accept = doc.createElement('button');
          accept.type = 'button';
          accept.className = 'trust';
          accept.textContent = 'Accept the new key';
          accept.onclick = () => link.trust(p.id);
          warn.append(' ', accept);
        }
        li.append(warn);
      }
      if (p.state === 'refused' && p.refusal) {
        const why = doc.createElement('div');
        why.className = 'warning reason';
        why.textContent = refusalText(p.refusal);
        li.append(why);
      }
      peersEl.append(li);
    }
    const open = peers.some((p) => p.state === 'connected');
    // While a drop is being repaired, lines can still be written: they wait and are resent.
    input.disabled = !peers.some(reachable);
    sendButton.disabled = input.disabled;
    // Focus moves to the message field when a conversation opens (not on every update).
    if (open && !wasOpen && doc.activeElement !== input) input.focus();
    wasOpen = open;
    options.onPeers?.(peers);
  }

  function showDelivery(id) {
    const li = pending.get(id);
    const st = outbox.state(id);
    if (!li || !st) return;
    li.dataset.delivery = st;
    li.querySelector('.receipt').textContent = deliveryText(st);
    if (st === 'delivered' || st === 'undelivered') pending.delete(id);
  }

  /** Hands every line still due to each reachable peer's current session, in order. */
  function flush() {
    for (const p of link.peers()) {
      if (!reachable(p)) continue;
      const session = link.session(p.id);
      if (!session) continue;
      for (const line of outbox.due(p.id, session)) {
        if (!session.send('chat', protocol.chat(line.id, line.text))) break;
        outbox.sent(line.id, p.id, session);
      }
    }
    for (const id of pending.keys()) showDelivery(id);
  }

  function sendChat(event) {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) {
      input.value = '';
      return;
    }
    const targets = link.peers().filter(reachable).map((p) => p.id);
    if (targets.length === 0) {
      log('Not sent: nobody is connected.');
      return;
    }
    const id = randomNonce(9);
    outbox.add(id, text, targets);
    const li = chatLine(`${link.name} (you)`, text, true);
    li.dataset.id = id;
    const receipt = doc.createElement('span');
    receipt.className = 'receipt';
    li.append(' ', receipt);
    pending.set(id, li);
    input.value = '';
    flush();
  }

  function onChat(from, message) {
    const session = link.session(from.id);
    if (message.type === 'receipt') {
      if (outbox.confirm(message.ref, from.id)) showDelivery(message.ref);
      return;
    }
    // Every copy is confirmed (the first receipt may have been lost in a drop); shown once.
    session?.send('chat', protocol.receipt(randomNonce(9), message.id));
    if (outbox.firstTime(from.id, message.id)) {
      const li = chatLine(displayName(from.name), message.text, false);
      li.dataset.id = message.id;
    }
  }

  function onEvent(e) {
    if (e.kind === 'peers') {
      renderPeers(e.peers);
      for (const id of outbox.retain(new Set(e.peers.map((p) => p.id)))) showDelivery(id);
      flush();
    } else if (e.kind === 'notice') {
      log(e.text);
    } else if (e.kind === 'message' && e.label === 'chat') {
      onChat(e.from, e.message);
    }
  }

  q('#chat-form').addEventListener('submit', sendChat);
  const unsubscribe = link.subscribe(onEvent);
  renderPeers(link.peers());
  // Delivery states change with time too (a receipt that does not come).
  const ticker = setInterval(flush, 1000);

  let destroyed = false;
  return {
    destroy() {
      if (destroyed) return;
      destroyed = true;
      clearInterval(ticker);
      unsubscribe();
      root.remove();
    },
    log,
    element: () => root,
  };
}
