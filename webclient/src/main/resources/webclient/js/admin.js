/**
 * The admin page of the lobby (docs/lobby.md), served only at the admin's secret path. It reads
 * who waits from `<secret path>/state.json` about once a second (the node knows addresses and
 * countries; only the secret path gives them out) and shows name, key fingerprint, IP address,
 * country, waiting time and whether the name is permitted. "Call" asks the node to vouch for this
 * page to the requester (`POST <secret path>/call`), then calls with the call vocabulary
 * (docs/protocol.md §5.2); an accepted call becomes a relayed session with the shared call view.
 * The super-admin's page also lists the bad attempts and the blocked addresses, and the links to
 * peer nodes (state, since when, traffic each way) when federation is on.
 * @module admin
 */
import { loadIdentity, shortFingerprint } from './identity.js';
import { discoverNode } from './discovery.js';
import { Signaling } from './signaling.js';
import { randomNonce, toBase64Url } from './encoding.js';
import * as protocol from './protocol.js';
import { startCall } from './lobby-call.js';
import { pageCaps } from './ui/call-view.js';

const $ = (id) => document.getElementById(id);
const POLL_MILLIS = 1000;
/** The secret path this page was served at (never shown, never sent anywhere but this node). */
const SECRET = location.pathname.replace(/\/+$/, '');

const state = {
  identity: null, node: null, signaling: null, admin: '',
  /** the outgoing call: {peer, name, context, nonce} */
  calling: null,
  call: null,
  last: null,
};

function status(text, kind = '') {
  $('status').textContent = text;
  $('status').className = kind;
}

function waited(seconds) {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

function cell(row, cls, text) {
  const td = document.createElement('td');
  td.className = cls;
  td.textContent = text;
  row.append(td);
  return td;
}

function render(data) {
  state.last = data;
  state.admin = data.admin;
  $('admin-name').textContent = data.admin;
  const body = $('waiting');
  body.replaceChildren();
  for (const w of data.waiting) {
    const tr = document.createElement('tr');
    tr.dataset.peer = w.peer;
    tr.dataset.permitted = String(w.permitted);
    if (!w.permitted) tr.className = 'unpermitted';
    cell(tr, 'name', w.name);
    const fp = cell(tr, 'fingerprint', '');
    const code = document.createElement('code');
    code.textContent = shortFingerprint(w.peer);
    fp.append(code);
    cell(tr, 'ip', w.ip || '?');
    cell(tr, 'country', w.country || '—');
    cell(tr, 'waited', waited(w.waitedSeconds));
    cell(tr, 'permitted', w.permitted ? 'yes' : 'not permitted');
    const action = cell(tr, 'action', '');
    if (w.permitted) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'call';
      b.textContent = w.called ? 'Call again' : 'Call';
      b.disabled = !!state.calling || !!state.call || !state.signaling;
      b.onclick = () => call(w);
      action.append(b);
    }
    body.append(tr);
  }
  $('nobody').hidden = data.waiting.length > 0;
  if (data.superAdmin) {
    $('attempts-section').hidden = false;
    $('blocked').textContent = data.blocked?.length ? `Blocked now: ${data.blocked.join(', ')}` : 'Nobody is blocked.';
    const rows = $('attempts');
    rows.replaceChildren();
    for (const a of [...data.attempts].reverse()) {
      const tr = document.createElement('tr');
      tr.dataset.kind = a.kind;
      cell(tr, 'time', new Date(a.time).toLocaleString());
      cell(tr, 'kind', a.kind);
      cell(tr, 'ip', a.ip || '?');
      cell(tr, 'country', a.country || '—');
      cell(tr, 'detail', a.detail);
      cell(tr, 'count', String(a.count));
      rows.append(tr);
    }
    // Federation: each peer node's link (only when the node has peers configured).
    const links = data.peerLinks ?? [];
    $('peers-section').hidden = links.length === 0;
    const peerRows = $('peer-links');
    peerRows.replaceChildren();
    for (const l of links) {
      const tr = document.createElement('tr');
      tr.dataset.state = l.state;
      cell(tr, 'peer', l.peer);
      cell(tr, 'state', l.state);
      cell(tr, 'since', new Date(l.since).toLocaleString());
      cell(tr, 'messages', `${l.messagesIn} / ${l.messagesOut}`);
      cell(tr, 'bytes', `${l.bytesIn} / ${l.bytesOut}`);
      peerRows.append(tr);
    }
  }
}

async function poll() {
  try {
    const res = await fetch(`${SECRET}/state.json`, { cache: 'no-store', referrerPolicy: 'no-referrer' });
    if (res.ok) render(await res.json());
    else status(`The node answered ${res.status}: was the admin path changed?`, 'bad');
  } catch (e) {
    status(`Cannot reach the node: ${e.message}`, 'bad');
  } finally {
    setTimeout(poll, POLL_MILLIS);
  }
}

async function call(w) {
  if (state.calling || state.call) return;
  const context = protocol.callContext(randomNonce(16));
  const nonce = randomNonce(16);
  state.calling = { peer: w.peer, name: w.name, context, nonce };
  status(`Calling ${w.name}…`, 'busy');
  try {
    const res = await fetch(`${SECRET}/call`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, referrerPolicy: 'no-referrer',
      body: JSON.stringify({ peer: w.peer, caller: state.identity.id }),
    });
    if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error || `HTTP ${res.status}`);
    await state.signaling.publish(protocol.inboxTopic(w.peer), protocol.call({
      context, key: toBase64Url(state.identity.spki), nonce, caps: pageCaps(),
    }));
  } catch (e) {
    state.calling = null;
    status(`Could not call ${w.name}: ${e.message}.`, 'bad');
  }
}

async function onInbox(m, sender) {
  const c = state.calling;
  if (!c || sender !== c.peer || m.context !== c.context) return;
  if (m.type === 'accept') {
    const a = protocol.readAccept(m);
    if (!a) return;
    state.calling = null;
    $('in-call').hidden = false;
    $('call').replaceChildren();
    $('call-status').textContent = `In a call with ${c.name}`;
    try {
      state.call = await startCall({
        identity: state.identity, signaling: state.signaling, node: state.node, context: c.context, nonce: c.nonce,
        peer: { id: c.peer, key: a.key, nonce: a.nonce, caps: a.caps }, name: state.admin, peerName: c.name, caller: true,
        container: $('call'),
        onState: (s, relayed) => {
          if (s === 'connected') status(`In a chat with ${c.name}${relayed ? ' via the node\'s relay' : ''}.`);
          if (s === 'refused') status(`The connection to ${c.name} was refused.`, 'bad');
        },
        onEnd: () => {
          state.call = null;
          $('in-call').hidden = true;
          status(`The chat with ${c.name} ended.`);
        },
      });
    } catch (e) {
      status(`Could not start the chat: ${e.message}.`, 'bad');
    }
  } else if (m.type === 'decline') {
    const d = protocol.readDecline(m);
    state.calling = null;
    status(`${c.name} did not take the call${d?.reason === 'unavailable' ? ' (no answer)' : ''}.`);
  }
}

async function start() {
  if (!window.isSecureContext || !crypto.subtle) {
    status('This page needs a secure connection (HTTPS, or http://localhost) for its keys.', 'bad');
    return;
  }
  poll();
  try {
    state.identity = await loadIdentity();
    $('me-fingerprint').textContent = state.identity.fingerprint;
    state.node = await discoverNode();
    state.signaling = await Signaling.connect({
      url: state.node.brokerUrl, identity: state.identity, nodeId: state.node.info.nodeId,
      onState: (s) => { if (s !== 'connected') status(`Connection to the node: ${s}.`, 'bad'); },
    });
    await state.signaling.subscribe(protocol.inboxTopic(state.identity.id), onInbox);
  } catch (e) {
    status(`Could not connect: ${e.message}`, 'bad');
    return;
  }
  $('hang-up').addEventListener('click', () => state.call?.hangUp());
  status('Ready. People waiting for you appear below.');
  if (state.last) render(state.last);
}

/** For tests: the page's identity and call. */
window.switchboard = {
  id: () => state.identity?.id,
  session: () => (state.call ? { state: state.call.session.state, verified: state.call.session.verified } : null),
};

start();
