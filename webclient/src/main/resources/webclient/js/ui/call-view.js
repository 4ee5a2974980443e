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
import { FileTransfers, blobSink, diskSink, progressOf } from '../files.js';
import { mountMedia } from './media-panel.js';
import {
  deliveryText, displayName, keyChangedWarning, peerNoteText, peerStateText, peerTitle, refusalAdvice, refusalText,
} from './text.js';

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
 * @property {((peerId: string) => void)|undefined} [verify] the person compared the safety code:
 *   pins the peer's key to its name.
 */

/**
 * A {@link Link} fed by the page: it forwards what the page's room or session reports to the
 * views subscribed to it.
 * @param {object} o
 * @param {string} o.name this person's display name.
 * @param {(peerId: string) => (import('../session.js').Session|null)} o.session
 * @param {(peerId: string) => void} [o.trust]
 * @param {(peerId: string) => void} [o.verify]
 * @returns {{link: Link, peers: (peers: import('../room.js').PeerView[]) => void,
 *   message: (from: import('../room.js').PeerView, label: string, message: object) => void,
 *   notice: (text: string) => void}} the link and the three feeds.
 */
export function createHub({ name, session, trust, verify }) {
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
    verify,
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
 * What this page can do (docs/protocol.md §5.2): voice and video where the browser has a camera
 * API, files always; a page's `window.switchboardOptions.caps` narrows it (tests).
 * @returns {string[]} distinct values of `VOICE`, `VIDEO`, `FILE`.
 */
export function pageCaps() {
  const asked = globalThis.switchboardOptions?.caps;
  if (Array.isArray(asked)) return [...asked];
  return globalThis.navigator?.mediaDevices?.getUserMedia ? ['VOICE', 'VIDEO', 'FILE'] : ['FILE'];
}

/**
 * Mounts the call view into `container` (appended; the container keeps its other children).
 * @param {HTMLElement} container
 * @param {Link} link
 * @param {object} [options]
 * @param {(peers: import('../room.js').PeerView[]) => void} [options.onPeers] called after the view
 *   rendered a new peer list (pages update their status line from it).
 * @param {() => number} [options.now] clock in epoch milliseconds (tests).
 * @param {string[]} [options.caps] what this page can do (§5.2); the view offers only what a
 *   connected peer's page can do too. Default all of `VOICE`, `VIDEO`, `FILE`.
 * @param {string} [options.relayHost] the node's relay address (the stats say relayed or direct).
 * @param {'ask'|'blob'} [options.saveTo] where accepted files go: `ask` (default) asks for a file
 *   with the File System Access API where the browser has it, else keeps them as Blob parts;
 *   `blob` always keeps them as Blob parts (tests, no dialog).
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
    </form>
    <section class="files" aria-labelledby="files-title">
      <h2 id="files-title">Files</h2>
      <div class="file-actions">
        <input id="file-input" type="file" multiple class="visually-hidden" disabled>
        <label for="file-input" id="file-pick" class="button" aria-disabled="true">Send files…</label>
        <span class="hint">or drop them on this page. Each is checked with SHA-256 before you can save it.</span>
      </div>
      <ul id="files" aria-live="polite"></ul>
    </section>`;
  container.append(root);
  const caps = options.caps ?? ['VOICE', 'VIDEO', 'FILE'];
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
  const filesEl = q('#files');
  const fileInput = q('#file-input');
  /** @type {Map<string, {session: any, transfers: FileTransfers}>} per peer id. */
  const fileLinks = new Map();
  /** @type {Map<string, HTMLElement>} transfer id → its list item. */
  const fileItems = new Map();

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
      title.className = 'name';
      title.textContent = peerTitle(p);
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
      const note = peerNoteText(p);
      if (note) {
        const why = doc.createElement('div');
        why.className = 'warning note';
        why.textContent = note;
        li.append(why);
      }
      if (p.safetyCode && (p.state === 'connected' || p.state === 'reconnecting')) {
        const code = doc.createElement('div');
        code.className = 'safety';
        const digits = doc.createElement('code');
        digits.className = 'safety-code';
        digits.textContent = p.safetyCode;
        code.append('Safety code: ', digits, ' ');
        if (p.pinned) {
          const ok = doc.createElement('span');
          ok.className = 'verified';
          ok.textContent = '✓ verified by you';
          code.append(ok);
        } else if (link.verify) {
          const mark = doc.createElement('button');
          mark.type = 'button';
          mark.className = 'verify';
          mark.textContent = 'We compared it: same code';
          mark.title = 'Read the code to each other (by voice, in person). If it is the same on both sides, nobody is in the middle.';
          mark.onclick = () => link.verify(p.id);
          code.append(mark);
        }
        li.append(code);
      }
      if (p.state === 'refused' && p.refusal) {
        const why = doc.createElement('div');
        why.className = 'warning reason';
        why.textContent = refusalText(p.refusal);
        const advice = doc.createElement('div');
        advice.className = 'advice';
        advice.textContent = refusalAdvice(p.refusal);
        why.append(advice);
        li.append(why);
      }
      peersEl.append(li);
    }
    const open = peers.some((p) => p.state === 'connected');
    // While a drop is being repaired, lines can still be written: they wait and are resent.
    input.disabled = !peers.some(reachable);
    sendButton.disabled = input.disabled;
    // Files only to peers whose page takes them (§5.2 capabilities).
    const files = caps.includes('FILE') && peers.some((p) => p.state === 'connected' && p.caps?.includes('FILE'));
    fileInput.disabled = !files;
    q('#file-pick').setAttribute('aria-disabled', String(!files));
    media?.onPeers(peers);
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

  /** The transfers with a peer, over its current session (a new session starts a new set). */
  function transfersWith(peerId) {
    const session = link.session(peerId);
    let entry = fileLinks.get(peerId);
    if (entry && entry.session !== session) {
      entry.transfers.close();
      entry = null;
    }
    if (!entry && session) {
      entry = { session, transfers: new FileTransfers({ session, onChange: (t) => renderTransfer(peerId, t) }) };
      fileLinks.set(peerId, entry);
    }
    return entry?.transfers ?? null;
  }

  function sendFiles(files) {
    const list = [...files];
    if (list.length === 0) return;
    const peers = link.peers().filter((p) => p.state === 'connected' && p.caps?.includes('FILE'));
    if (peers.length === 0) {
      log('Files not sent: nobody is connected.');
      return;
    }
    for (const p of peers) transfersWith(p.id)?.offer(list);
  }

  function fmtBytes(n) {
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
    return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
  }

  function fmtSeconds(s) {
    if (s === null || !Number.isFinite(s)) return '…';
    const m = Math.floor(s / 60);
    return `${m}:${String(Math.round(s % 60)).padStart(2, '0')}`;
  }

  function button(cls, text, onclick) {
    const b = doc.createElement('button');
    b.type = 'button';
    b.className = cls;
    b.textContent = text;
    b.onclick = onclick;
    return b;
  }

  function renderTransfer(peerId, t) {
    const transfers = fileLinks.get(peerId)?.transfers;
    if (!transfers) return;
    let li = fileItems.get(t.id);
    if (!li) {
      li = doc.createElement('li');
      li.dataset.transfer = t.id;
      li.dataset.direction = t.direction;
      li.innerHTML = '<div class="file-head"><span class="file-name"></span> <span class="file-size"></span> '
        + '<span class="file-peer"></span></div><progress max="1" value="0"></progress>'
        + '<div class="file-info"><span class="file-state"></span> <span class="file-rate"></span></div><div class="file-buttons"></div>';
      li.querySelector('.file-name').textContent = t.name;
      li.querySelector('.file-size').textContent = `(${fmtBytes(t.size)})`;
      const peer = link.peers().find((p) => p.id === peerId);
      li.querySelector('.file-peer').textContent = `${t.direction === 'out' ? 'to' : 'from'} ${displayName(peer?.name)}`;
      fileItems.set(t.id, li);
      filesEl.append(li);
    }
    li.dataset.state = t.state;
    const done = transfers.progress(t);
    const p = progressOf(done, t.size, t.startedAt ? performance.now() - t.startedAt : 0);
    li.querySelector('progress').value = p.fraction;
    li.querySelector('progress').setAttribute('aria-label', `${t.name}: ${Math.round(p.fraction * 100)} %`);
    const moving = t.state === 'sending' || t.state === 'receiving';
    li.querySelector('.file-rate').textContent = moving
      ? `${fmtBytes(done)} of ${fmtBytes(t.size)} · ${fmtBytes(Math.round(p.bytesPerSecond))}/s · ${fmtSeconds(p.secondsLeft)} left` : '';
    li.querySelector('.file-state').textContent = transferStateText(t);
    const buttons = li.querySelector('.file-buttons');
    const want = `${t.state}:${t.url ? 1 : 0}`;
    if (buttons.dataset.for === want) return;
    buttons.dataset.for = want;
    buttons.replaceChildren();
    if (t.direction === 'in' && t.state === 'offered') {
      buttons.append(
        button('accept', 'Accept', async () => {
          const sink = options.saveTo === 'blob' ? null : await diskSink(t.name);
          transfers.accept(t.id, sink || blobSink(t.mime));
        }),
        button('refuse', 'Refuse', () => transfers.refuse(t.id)),
      );
    } else if (['offered', 'accepted', 'sending', 'receiving'].includes(t.state)) {
      buttons.append(button('cancel', 'Cancel', () => transfers.cancel(t.id)));
    } else if (t.state === 'done' && t.url) {
      const a = doc.createElement('a');
      a.className = 'save button';
      a.href = t.url;
      a.download = t.name;
      a.textContent = 'Save';
      buttons.append(a);
    }
  }

  function transferStateText(t) {
    const incoming = t.direction === 'in';
    switch (t.state) {
      case 'offered': return incoming ? 'offered to you' : 'waiting for them to accept';
      case 'accepted': return incoming ? 'accepted, starting…' : 'accepted, queued';
      case 'sending': return 'sending';
      case 'receiving': return 'receiving';
      case 'verifying': return 'checking SHA-256…';
      case 'sent': return 'sent';
      case 'done': return t.savedTo === 'disk' ? 'saved, SHA-256 verified' : 'received, SHA-256 verified';
      case 'refused': return incoming ? 'refused' : 'they refused it';
      case 'cancelled': return t.cancelledByPeer ? 'cancelled by the other side' : 'cancelled';
      case 'failed':
        if (t.failure === 'mismatch') return 'failed: SHA-256 does not match, not offered for saving';
        if (t.failure === 'no-digest') return 'not offered for saving: the sender gave no SHA-256 to check it';
        if (t.failure === 'size') return 'failed: not the announced size, not offered for saving';
        return 'failed (the connection ended)';
      default: return t.state;
    }
  }

  function renderAllTransfers() {
    for (const [peerId, entry] of fileLinks) {
      for (const t of entry.transfers.transfers.values()) {
        if (t.state === 'sending' || t.state === 'receiving') renderTransfer(peerId, t);
      }
    }
  }

  function onEvent(e) {
    if (e.kind === 'peers') {
      renderPeers(e.peers);
      for (const p of e.peers) {
        if (fileLinks.has(p.id) && fileLinks.get(p.id).session !== link.session(p.id)) transfersWith(p.id);
      }
      for (const id of outbox.retain(new Set(e.peers.map((p) => p.id)))) showDelivery(id);
      flush();
    } else if (e.kind === 'notice') {
      log(e.text);
    } else if (e.kind === 'message' && e.label === 'chat') {
      onChat(e.from, e.message);
    } else if (e.kind === 'message' && e.label === 'file') {
      transfersWith(e.from.id)?.receive(e.message);
    }
  }

  const media = mountMedia(root, link, { caps, relayHost: options.relayHost, log });
  q('#chat-form').addEventListener('submit', sendChat);
  fileInput.addEventListener('change', () => {
    sendFiles(fileInput.files);
    fileInput.value = '';
  });
  const onDragOver = (e) => {
    if (e.dataTransfer?.types?.includes('Files')) e.preventDefault();
  };
  const onDrop = (e) => {
    if (!e.dataTransfer?.files?.length) return;
    e.preventDefault();
    sendFiles(e.dataTransfer.files);
  };
  doc.addEventListener('dragover', onDragOver);
  doc.addEventListener('drop', onDrop);
  const unsubscribe = link.subscribe(onEvent);
  renderPeers(link.peers());
  // Delivery states change with time too (a receipt that does not come).
  const ticker = setInterval(() => {
    flush();
    renderAllTransfers();
  }, 1000);

  let destroyed = false;
  return {
    destroy() {
      if (destroyed) return;
      destroyed = true;
      clearInterval(ticker);
      doc.removeEventListener('dragover', onDragOver);
      doc.removeEventListener('drop', onDrop);
      for (const entry of fileLinks.values()) entry.transfers.close();
      media.destroy();
      unsubscribe();
      root.remove();
    },
    log,
    element: () => root,
    /** @returns {object[]} every file transfer, with the peer's id (for tests and diagnostics). */
    transfers: () => [...fileLinks].flatMap(([peerId, e]) => e.transfers.list().map((t) => ({ ...t, peerId }))),
    /**
     * Offers files to every connected peer, as picking or dropping them does.
     * @param {Iterable<File>} files
     */
    sendFiles,
    /** @returns {Promise<object|null>} a statistics sample of the call with a peer (`media.callStats`). */
    stats: (peerId) => media.stats(peerId),
    /** @returns {object} the media state (tracks, mute, camera, quality). */
    media: () => media.media(),
  };
}
