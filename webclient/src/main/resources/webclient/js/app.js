/**
 * The room page: wires identity, node discovery, signaling and the room to the DOM. Every
 * sentence it shows comes from `ui/text.js`.
 * @module app
 */
import { loadIdentity, newIdentity } from './identity.js';
import { deriveRoom } from './roomkey.js';
import { discoverNode } from './discovery.js';
import { Signaling } from './signaling.js';
import { Room } from './room.js';
import * as protocol from './protocol.js';
import { DERIVING_TEXT, eventText, roomStatus } from './ui/text.js';
import { createHub, mount } from './ui/call-view.js';

const $ = (id) => document.getElementById(id);
/** @type {{identity: any, node: import('./discovery.js').DiscoveredNode|null, signaling: Signaling|null, room: Room|null, peers: any[]}} */
const state = { identity: null, node: null, signaling: null, room: null, peers: [], derivationMillis: null, view: null };

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
  if (!state.node || !state.node.info.broker.tls) return null;
  const url = state.node.brokerUrl.replace(/^wss:/, 'https:');
  return { href: url, text: 'If this persists, open the broker address once and accept its certificate.' };
}

/** Adds a line to the mounted view's log (nothing when no view is mounted). */
function log(text, kind = 'notice') {
  state.view?.log(text, kind);
}

function updateStatus() {
  if (!state.room) return;
  const { text, kind } = roomStatus(state.peers);
  status(text, kind);
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
        url: state.node.brokerUrl,
        identity: state.identity,
        nodeId: state.node.info.nodeId,
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
    // The costly derivation (docs/protocol.md §1.1): WebCrypto runs it off the main thread, so the
    // page can say what it is doing meanwhile.
    status(DERIVING_TEXT, 'busy');
    $('join-form').setAttribute('aria-busy', 'true');
    let keys;
    try {
      keys = await deriveRoom(word);
    } finally {
      $('join-form').removeAttribute('aria-busy');
    }
    state.derivationMillis = keys.millis;
    const { roomId } = keys;
    const hub = createHub({
      name: protocol.cleanName(name),
      session: (peerId) => state.room?.session(peerId) ?? null,
      trust: (peerId) => state.room?.trustNewKey(peerId),
    });
    state.room = new Room({
      signaling: state.signaling,
      identity: state.identity,
      keys,
      name,
      iceServers: state.node.iceServers,
      relayHost: state.node.relayHost,
      onPeers: hub.peers,
      onMessage: hub.message,
      onEvent: (e) => hub.notice(eventText(e)),
      autoStart: window.switchboardOptions?.autoStart ?? true,
    });
    state.view = mount($('call'), hub.link, {
      onPeers: (peers) => {
        state.peers = peers;
        updateStatus();
      },
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
  state.view?.destroy();
  state.view = null;
  state.peers = [];
  $('room').hidden = true;
  $('join-form').hidden = false;
  $('join').disabled = false;
  status('Left the room.');
}

async function start() {
  if (!window.isSecureContext || !crypto.subtle) {
    status('This page needs a secure connection (HTTPS, or http://localhost) for its keys.', 'bad');
    return;
  }
  try {
    state.identity = await loadIdentity();
    $('me-fingerprint').textContent = state.identity.fingerprint;
    state.node = await discoverNode();
  } catch (e) {
    status(`Could not start: ${e.message}`, 'bad');
    return;
  }
  $('name').value = localStorage.getItem(`switchboard.name.${state.identity.slot}`) || '';
  $('join-form').addEventListener('submit', join);
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

/**
 * A small window for tests and curious users: `await switchboard.peers()`. The read-only part
 * (`id`, `peers`, `nodeInfo`, `negotiation`) changes nothing; the rest drives a session as a
 * call page would (start it, add audio, restart ICE, ping).
 */
window.switchboard = {
  id: () => state.identity?.id,
  /** @returns {number|null} how long deriving the room from the word took, in milliseconds. */
  derivationMillis: () => state.derivationMillis,
  peers: async () => (state.room ? state.room.snapshot() : []),
  nodeInfo: () => state.node?.info,
  /** @returns {object|null} the session's negotiation counters, politeness and descriptions. */
  negotiation: (peerId) => {
    const s = state.room?.session(peerId);
    return s ? { ...s.stats, polite: s.polite, state: s.state, verified: s.verified, ...s.descriptions() } : null;
  },
  /** Starts the session with a peer from this side, at `atMillis` (epoch ms) if given. */
  startSession: (peerId, atMillis = Date.now()) => new Promise((resolve) => {
    setTimeout(() => resolve(state.room?.startSession(peerId) ?? false), Math.max(0, atMillis - Date.now()));
  }),
  /** Adds the (fake, in tests) microphone to the session with a peer: it renegotiates. */
  addAudio: async (peerId) => {
    const s = state.room?.session(peerId);
    if (!s) return false;
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    stream.getTracks().forEach((t) => s.addTrack(t, stream));
    return true;
  },
  restartIce: (peerId) => {
    const s = state.room?.session(peerId);
    s?.restartIce();
    return !!s;
  },
  ping: async (peerId) => (await state.room?.session(peerId)?.ping()) ?? null,
};

start();
