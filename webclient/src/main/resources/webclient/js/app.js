/**
 * The page: wires identity, signaling and the room to the DOM.
 * @module app
 */
import { loadIdentity, newIdentity, roomIdOf } from './identity.js';
import { Signaling } from './signaling.js';
import { Room } from './room.js';

const $ = (id) => document.getElementById(id);
const state = { identity: null, nodeInfo: null, signaling: null, room: null, peers: [] };

function status(text, kind = '', link = null) {
  const el = $('status');
  el.textContent = text;
  el.className = kind;
  if (link) {
    const a = document.createElement('a');
    a.href = link.href;
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = link.text;
    el.append(' ', a);
  }
}

/**
 * With a self-signed certificate, some browsers (Firefox) accept it per port: the page's port is
 * accepted but the broker's WebSocket port is not, and the connection fails without a prompt.
 */
function certificateHint() {
  if (!state.nodeInfo || !state.nodeInfo.broker.tls) return null;
  const url = brokerUrl(state.nodeInfo).replace(/^wss:/, 'https:');
  return { href: url, text: 'If this persists, open the broker address once and accept its certificate.' };
}

function log(text, kind = '') {
  const li = document.createElement('li');
  li.textContent = text;
  if (kind) li.className = kind;
  $('log').append(li);
  $('log').scrollTop = $('log').scrollHeight;
}

/**
 * The node this page talks to: the one that served it. Only a page hosted somewhere else (whose
 * own origin serves no node-info.json) follows `?node=<url>`, e.g. `?node=https://192.0.2.10:8443/`;
 * a node's own page never does, so a crafted link cannot make it sign in through another node.
 */
let nodeBase = new URL('.', location.href);

/** Reads the node's description: broker port, STUN/relay address, limits. */
async function loadNodeInfo() {
  const own = await fetch(new URL('node-info.json', nodeBase), { cache: 'no-store' }).catch(() => null);
  if (own && own.ok) return own.json();
  const named = new URLSearchParams(location.search).get('node');
  if (!named) throw new Error(`node-info.json: ${own ? `HTTP ${own.status}` : 'unreachable'}`);
  let base;
  try {
    base = new URL(named);
  } catch {
    throw new Error(`?node=${named} is not a URL`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error(`?node=${named} is not an http(s) URL`);
  nodeBase = base;
  const res = await fetch(new URL('node-info.json', nodeBase), { cache: 'no-store' });
  if (!res.ok) throw new Error(`node-info.json at ${nodeBase.origin}: HTTP ${res.status}`);
  return res.json();
}

function brokerUrl(info) {
  const b = info.broker;
  const scheme = b.tls ? 'wss' : 'ws';
  const h = nodeBase.hostname;
  const host = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
  return `${scheme}://${host}:${b.webSocketPort}${b.path}`;
}

function iceServers(info) {
  const h = info.stun.host.includes(':') ? `[${info.stun.host}]` : info.stun.host;
  return [{ urls: `stun:${h}:${info.stun.port}` }];
}

function renderPeers(peers) {
  state.peers = peers;
  const ul = $('peers');
  ul.replaceChildren();
  for (const p of peers) {
    const li = document.createElement('li');
    li.className = p.state;
    li.dataset.peer = p.id;
    li.dataset.state = p.state;
    const title = document.createElement('strong');
    title.textContent = p.name;
    const fp = document.createElement('code');
    fp.className = 'fingerprint';
    fp.textContent = p.fingerprint;
    li.append(title, ' ', fp, ' ', describe(p));
    if (p.state === 'key-changed') {
      const warn = document.createElement('div');
      warn.className = 'warning';
      warn.textContent = `This key differs from the one you saw before for ${p.name} (${p.pinnedFingerprint}). `
        + 'It may be someone else. Nothing connects until you accept it.';
      const accept = document.createElement('button');
      accept.type = 'button';
      accept.className = 'trust';
      accept.textContent = 'Accept the new key';
      accept.onclick = () => state.room?.trustNewKey(p.id);
      warn.append(' ', accept);
      li.append(warn);
    }
    if (p.state === 'refused' && p.reason) {
      const why = document.createElement('div');
      why.className = 'warning reason';
      why.textContent = p.reason;
      li.append(why);
    }
    ul.append(li);
  }
  updateStatus();
}

function describe(p) {
  switch (p.state) {
    case 'connected': return p.relayed ? '— connected via the node\'s relay' : '— connected directly (P2P)';
    case 'connecting': return '— connecting…';
    case 'key-changed': return '— key changed!';
    case 'refused': return '— refused';
    case 'closed': return '— disconnected';
    default: return '— waiting';
  }
}

function updateStatus() {
  if (!state.room) return;
  const peers = state.peers;
  const connected = peers.filter((p) => p.state === 'connected');
  const open = connected.length > 0;
  $('message').disabled = !open;
  $('send').disabled = !open;
  if (peers.some((p) => p.state === 'key-changed')) {
    status('A known person arrived with a different key. Check the warning below.', 'bad');
  } else if (open) {
    const how = connected.every((p) => p.relayed) ? 'via the node\'s relay' : 'directly (P2P)';
    status(`Connected to ${connected.map((p) => p.name).join(', ')} ${how}.`, 'ok');
  } else if (peers.some((p) => p.state === 'connecting')) {
    status(`Connecting to ${peers.filter((p) => p.state === 'connecting').map((p) => p.name).join(', ')}…`);
  } else if (peers.some((p) => p.state === 'refused')) {
    status('The connection was refused. See below.', 'bad');
  } else {
    status('In the room. Waiting for the other person…');
  }
}

async function join(event) {
  event.preventDefault();
  const word = $('word').value.trim();
  const name = $('name').value.trim();
  if (!word || !name) return;
  localStorage.setItem(`switchboard.name.${state.identity.slot}`, name);
  $('join').disabled = true;
  try {
    if (!state.signaling) {
      status('Connecting to the node…');
      state.signaling = await Signaling.connect({
        url: brokerUrl(state.nodeInfo),
        identity: state.identity,
        nodeId: state.nodeInfo.nodeId,
        onState: (s) => {
          if (s !== 'connected') status(`Connection to the node: ${s}.`, 'bad', certificateHint());
          else updateStatus();
        },
      });
      state.signaling.onBadMessage = (topic, reason) => log(`Ignored a message on ${topic}: ${reason}`, 'notice');
      state.signaling.onReconnected = () => {
        log('Reconnected to the node.', 'notice');
        state.room?.rejoin().catch((e) => log(`Could not rejoin: ${e.message}`, 'notice'));
      };
    }
    const roomId = await roomIdOf(word);
    state.room = new Room({
      signaling: state.signaling,
      identity: state.identity,
      roomId,
      name,
      nodeInfo: state.nodeInfo,
      iceServers: iceServers(state.nodeInfo),
      onPeers: renderPeers,
      onChat: (from, text) => log(`${from ? from.name : '?'}: ${text}`, 'chat'),
      onNotice: (text) => log(text, 'notice'),
    });
    $('room-id').textContent = roomId.slice(0, 8);
    $('join-form').hidden = true;
    $('room').hidden = false;
    await state.room.join();
    updateStatus();
  } catch (e) {
    status(`Could not join: ${e.message}.`, 'bad', certificateHint());
    $('join').disabled = false;
  }
}

async function leave() {
  await state.room?.leave();
  state.room = null;
  $('room').hidden = true;
  $('join-form').hidden = false;
  $('join').disabled = false;
  $('log').replaceChildren();
  status('Left the room.');
}

function sendChat(event) {
  event.preventDefault();
  const text = $('message').value;
  if (!text.trim() || !state.room) return;
  const n = state.room.send(text);
  if (n > 0) {
    log(`${state.room.name} (you): ${text}`, 'chat mine');
    $('message').value = '';
  } else {
    log('Not sent: nobody is connected.', 'notice');
  }
}

async function start() {
  if (!window.isSecureContext || !crypto.subtle) {
    status('This page needs a secure connection (HTTPS, or http://localhost) for its keys.', 'bad');
    return;
  }
  try {
    state.identity = await loadIdentity();
    $('me-fingerprint').textContent = state.identity.fingerprint;
    state.nodeInfo = await loadNodeInfo();
  } catch (e) {
    status(`Could not start: ${e.message}`, 'bad');
    return;
  }
  $('name').value = localStorage.getItem(`switchboard.name.${state.identity.slot}`) || '';
  $('join-form').addEventListener('submit', join);
  $('chat-form').addEventListener('submit', sendChat);
  $('leave').addEventListener('click', leave);
  $('new-identity').addEventListener('click', async () => {
    if (state.signaling && !confirm('Make a new identity? You will leave the room.')) return;
    if (state.room) await leave();
    state.signaling?.close();
    state.signaling = null;
    state.identity = await newIdentity();
    $('me-fingerprint').textContent = state.identity.fingerprint;
    status('New identity made.');
  });
  status('Ready. Enter your name and a secret word to join a room.');
}

/** A small read-only window for tests and curious users: `await switchboard.peers()`. */
window.switchboard = {
  id: () => state.identity?.id,
  peers: async () => (state.room ? state.room.snapshot() : []),
  nodeInfo: () => state.nodeInfo,
};

start();
