/**
 * The room page: wires identity, node discovery, signaling and the room to the DOM. Every
 * sentence it shows comes from `ui/text.js`.
 * @module app
 */
import { loadIdentity, newIdentity } from './identity.js';
import { deriveRoom } from './roomkey.js';
import { discoverNode } from './discovery.js';
import * as protocol from './protocol.js';
import { DERIVING_TEXT, NEW_IDENTITY_TEXT, connectionProblem, eventText, roomCode, roomStatus } from './ui/text.js';

const $ = (id) => document.getElementById(id);
/** @type {{identity: any, node: import('./discovery.js').DiscoveredNode|null, signaling: import('./signaling.js').Signaling|null, room: import('./room.js').Room|null, peers: any[]}} */
const state = { identity: null, identityReady: null, node: null, signaling: null, room: null, peers: [], derivationMillis: null, view: null };

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
  return { href: url, text: `Open the broker address (${url})` };
}

/** Adds a line to the mounted view's log (nothing when no view is mounted). */
function log(text, kind = 'notice') {
  state.view?.log(text, kind);
}

function updateStatus() {
  if (!state.room) return;
  const { text, kind } = roomStatus(state.peers);
  status(text, kind);
  // The invitation matters while nobody is here.
  $('invite').hidden = state.peers.some((p) => p.state === 'connected' || p.state === 'reconnecting');
}

/** The page's address without query-less noise and without any fragment: what an invite carries. */
function pageAddress() {
  const u = new URL(location.href);
  u.hash = '';
  return u.href;
}

async function copy(text, done) {
  // Set before the clipboard's await, so what the button copied is known as soon as it is clicked.
  state.lastCopied = text;
  try {
    await navigator.clipboard.writeText(text);
    $('invite-result').textContent = done;
  } catch {
    // No clipboard permission (or an insecure page): show the text to copy by hand.
    $('invite-result').textContent = `Copy this: ${text}`;
  }
}

function inviteText() {
  return `Join me on Switchboard: ${pageAddress()} (I'll tell you the secret word; our room code will be ${$('room-code').textContent})`;
}

/** Waits `millis`, or less if `state.retryCancel` is bumped (Leave, New identity). */
function pause(millis) {
  const ticket = state.retryTicket;
  return new Promise((resolve) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - started >= millis || state.retryTicket !== ticket) {
        clearInterval(timer);
        resolve(state.retryTicket === ticket);
      }
    }, 250);
  });
}

/**
 * Asks the node's web server for its node-info.json now.
 * @returns {Promise<'ok'|'refused'|'none'>} `ok` when it answers; `refused` when the server that
 *   answered before says 403/404 (the node refuses this address: its allow-list, or a block);
 *   `none` when nothing answers.
 */
async function webAnswer() {
  try {
    const base = state.node?.base ?? new URL('.', location.href);
    const r = await fetch(new URL('node-info.json', base), { cache: 'no-store' });
    if (r.ok) return 'ok';
    return state.node && (r.status === 403 || r.status === 404) ? 'refused' : 'none';
  } catch {
    return 'none';
  }
}

/** The web server's answer as the fields of {@link connectionProblem}. */
async function webFields() {
  const web = await webAnswer();
  return { webReachable: web === 'ok', addressRefused: web === 'refused' };
}

/** Shows a connection problem in its own words, marked for styling and tests. */
function showProblem(p) {
  status(p.text, 'bad', p.kind === 'certificate' ? certificateHint() : null);
  $('status').dataset.problem = p.kind;
}

/** The delay before the next try, in seconds: 5, 10, 20, then every 30. */
const retryDelay = (attempt) => Math.min(30, 5 * 2 ** Math.min(attempt, 3));
/** Tries at most this many times in a row (about 20 minutes), then asks for a reload. */
const MAX_TRIES = 40;

/** @type {Promise<{Signaling: any, Room: any, createHub: Function, mount: Function, pageCaps: Function}>|null} */
let roomModules = null;

/**
 * The modules a room needs (MQTT.js, presence, sessions, the call view: most of the page's weight),
 * fetched only once someone starts to join: the page is ready after its small core, and a page
 * opened and never used costs no more. Started when the join form is first touched (or holds a
 * word from a link), awaited by Join; one fetch for the page's life, tried again after a failure.
 * @returns {Promise<{Signaling: any, Room: any, createHub: Function, mount: Function, pageCaps: Function}>}
 */
function loadRoomModules() {
  if (!roomModules) {
    roomModules = Promise.all([import('./signaling.js'), import('./room.js'), import('./ui/call-view.js')])
      .then(([signaling, room, view]) => ({
        Signaling: signaling.Signaling, Room: room.Room, createHub: view.createHub, mount: view.mount,
        pageCaps: view.pageCaps,
      }));
    roomModules.catch(() => { roomModules = null; });
  }
  return roomModules;
}

/** @type {{word: string, keys: Promise<any>, done: boolean}|null} the derivation begun for the word in the field */
let prederived = null;

/**
 * The room's keys for `word` (roomkey.js), begun at most once per word: when the word field is
 * left (its change event), so that by the time Join is pressed the costly derivation has usually
 * finished. Only the last word is kept; Leave drops it.
 * @param {string} word the secret word as typed, trimmed
 * @returns {Promise<any>} deriveRoom's result
 */
function derivationFor(word) {
  if (prederived?.word !== word) {
    const keys = deriveRoom(word);
    const entry = { word, keys, done: false };
    keys.then(() => { entry.done = true; }, () => { if (prederived === entry) prederived = null; });
    prederived = entry;
  }
  return prederived.keys;
}

const READY_TEXT = 'Ready. Enter your name and a secret word to join a room.';

/**
 * Begins the derivation for the word in the field before Join is pressed. Silent: the status line
 * keeps its text (a change there would move the Join button under a pointer that is about to
 * click it, since this runs when the word field loses focus); Join shows the progress state if
 * the derivation is still running then. Not while joining or in a room.
 */
function prederive() {
  const word = $('word').value.trim();
  if (!word || state.room || $('join').disabled) return;
  derivationFor(word).catch(() => {});
}

/** @type {{identity: any, connection: Promise<any>}|null} the broker connection begun before Join */
let early = null;

/**
 * Begins the broker connection when the join form is first touched, as the room's modules are
 * fetched then: by the time Join is pressed it is usually up, and Join waits only for the room
 * derivation (docs/performance.md). Quiet: one try, nothing shown (a change of the status line
 * could move the Join button under the pointer); if it fails, Join connects as before and says
 * why. The node learns only what Join would tell it a moment later: this key is online.
 */
function connectEarly() {
  if (!state.identity) {
    // Still loading (the page is ready before its identity, see start): connect once it is here.
    state.identityReady?.then(connectEarly, () => {});
    return;
  }
  if (early || state.signaling || !state.node) return;
  const identity = state.identity;
  const connection = loadRoomModules().then(({ Signaling }) => Signaling.connect({
    url: state.node.brokerUrl,
    identity,
    nodeId: state.node.info.nodeId,
    onState: onSignalingState,
    retryFirst: false,
  })).catch(() => null);
  early = { identity, connection };
}

/**
 * The connection {@link connectEarly} made for the current identity, or null (none, failed, or
 * made for an identity since replaced, which is then closed). Forgets it either way.
 */
async function takeEarlyConnection() {
  const taken = early;
  early = null;
  const signaling = taken ? await taken.connection : null;
  if (signaling && taken.identity !== state.identity) {
    signaling.close();
    return null;
  }
  return signaling;
}

/**
 * Connects to the node's broker, trying again by itself (with the reason shown) until it works,
 * the person leaves, or {@link MAX_TRIES} tries failed. Fetching the room's modules is part of the
 * try: a node that refuses this address by then fails that fetch, and the page words it as it
 * words a refused broker connection (the web server's answer to node-info.json tells which).
 */
async function connectSignaling() {
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    try {
      const { Signaling } = await loadRoomModules();
      return await Signaling.connect({
        url: state.node.brokerUrl,
        identity: state.identity,
        nodeId: state.node.info.nodeId,
        onState: onSignalingState,
        retryFirst: false,
      });
    } catch (e) {
      const wait = retryDelay(attempt);
      showProblem(connectionProblem({
        code: e.code, message: e.message, ...(await webFields()), tls: !!state.node.info.broker.tls,
        wasConnected: false, retrySeconds: wait,
      }));
      if (!(await pause(wait * 1000))) throw new Error('cancelled');
      status('Connecting to the node…');
    }
  }
  throw new Error('the node could not be reached; reload the page to try again');
}

/** The broker connection changed after it was first made (MQTT.js reconnects by itself). */
async function onSignalingState(s) {
  if (s === 'connected') {
    delete $('status').dataset.problem;
    updateStatus();
    return;
  }
  // Before the first connection, connectSignaling words each failed try itself.
  if (!state.signaling) return;
  if (s === 'shutting-down' || s === 'offline' || s === 'disconnected') {
    showProblem(connectionProblem({
      ...(s === 'shutting-down' ? { webReachable: false } : await webFields()), tls: !!state.node?.info.broker.tls,
      wasConnected: true, shuttingDown: s === 'shutting-down', retrySeconds: 2,
    }));
  }
}

async function join(event) {
  event.preventDefault();
  const word = $('word').value.trim();
  const name = $('name').value.trim();
  if (!word || !name) return;
  $('join').disabled = true;
  if (!state.identity) {
    // The page was ready before its identity (start): Join waits for it, usually a few ms.
    try {
      await state.identityReady;
    } catch {
      return; // start() said why, and Join stays disabled
    }
  }
  localStorage.setItem(`switchboard.name.${state.identity.slot}`, name);
  // The costly derivation (docs/protocol.md §1.1) runs while the page connects to the node and
  // fetches the room's modules: WebCrypto runs it off the main thread, and the three waits overlap
  // rather than add up. The page says what it is doing meanwhile.
  const derivation = derivationFor(word);
  $('join-form').setAttribute('aria-busy', 'true');
  try {
    if (!state.signaling) {
      if (prederived?.done) status('Connecting to the node…');
      else status(DERIVING_TEXT, 'busy');
      state.signaling = (await takeEarlyConnection()) ?? await connectSignaling();
      delete $('status').dataset.problem;
      state.signaling.onBadMessage = (topic, reason) => log(`Ignored a message on ${topic}: ${reason}`, 'notice');
      state.signaling.onReconnected = () => {
        log('Reconnected to the node.', 'notice');
        state.room?.rejoin().catch((e) => log(`Could not rejoin: ${e.message}`, 'notice'));
      };
    }
    if (!prederived?.done) status(DERIVING_TEXT, 'busy');
    let keys;
    let modules;
    try {
      [keys, modules] = await Promise.all([derivation, loadRoomModules()]);
    } finally {
      $('join-form').removeAttribute('aria-busy');
    }
    state.derivationMillis = keys.millis;
    const { roomId } = keys;
    const { Room, createHub, mount, pageCaps } = modules;
    const hub = createHub({
      name: protocol.cleanName(name),
      session: (peerId) => state.room?.session(peerId) ?? null,
      trust: (peerId) => state.room?.trustNewKey(peerId),
      verify: (peerId) => state.room?.markVerified(peerId),
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
      offerFirst: window.switchboardOptions?.offerFirst ?? true,
      caps: pageCaps(),
    });
    // Subscribing goes out first (written in join's first step, signaling.js), and the view is
    // built while the node answers (it shows whatever the room reported before).
    const joined = state.room.join();
    joined.catch(() => {});
    state.view = mount($('call'), hub.link, {
      saveTo: window.switchboardOptions?.saveTo ?? 'ask',
      caps: pageCaps(),
      relayHost: state.node.relayHost,
      onPeers: (peers) => {
        state.peers = peers;
        updateStatus();
      },
    });
    $('room-id').textContent = roomId.slice(0, 8);
    $('room-code').textContent = roomCode(roomId);
    state.word = word;
    $('join-form').hidden = true;
    $('room').hidden = false;
    await joined;
    updateStatus();
  } catch (e) {
    $('join-form').removeAttribute('aria-busy');
    if (e.message !== 'cancelled') status(`Could not join: ${e.message}.`, 'bad');
    $('join').disabled = false;
  }
}

async function leave() {
  state.retryTicket = (state.retryTicket || 0) + 1;
  await state.room?.leave();
  state.room = null;
  // The conversation stays readable in this tab (history), the word does not stay in the field.
  const items = state.view?.element().querySelectorAll('#log > li') ?? [];
  if (items.length > 0) {
    const sep = document.createElement('li');
    sep.className = 'notice';
    sep.textContent = `— left room ${$('room-code').textContent} —`;
    document.querySelector('#history .history-log').append(...[...items].map((li) => li.cloneNode(true)), sep);
    $('history').hidden = false;
  }
  state.view?.destroy();
  state.view = null;
  state.peers = [];
  state.word = null;
  prederived = null;
  $('word').value = '';
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
  // The node's description and this tab's identity do not depend on each other: both are asked
  // for at once. The page is ready (its form usable) once the node answered: the identity (a Web
  // Lock, IndexedDB and, in a fresh profile, a new key pair: about 100-200 ms of a first load,
  // docs/performance.md) goes on loading meanwhile, and whatever needs it (Join, the early broker
  // connection, New identity) waits for it.
  const discovery = discoverNode().then((node) => ({ node }), (error) => ({ error }));
  let identityFailed = null;
  state.identityReady = loadIdentity();
  state.identityReady.then((identity) => {
    state.identity = identity;
    $('me-fingerprint').textContent = identity.fingerprint;
    const saved = localStorage.getItem(`switchboard.name.${identity.slot}`);
    if (saved && !$('name').value) $('name').value = saved;
  }, (e) => {
    identityFailed = e;
    $('join').disabled = true;
    status(`Could not start: ${e.message}`, 'bad');
  });
  // Finding the node: when it does not answer, say so and try again by itself.
  for (let attempt = 0; !state.node; attempt++) {
    try {
      if (attempt === 0) {
        const first = await discovery;
        if (first.error) throw first.error;
        state.node = first.node;
      } else {
        state.node = await discoverNode();
      }
    } catch (e) {
      if (attempt + 1 >= MAX_TRIES) {
        status(`Could not reach the node (${e.message}). Reload the page to try again.`, 'bad');
        return;
      }
      const wait = retryDelay(attempt);
      showProblem(connectionProblem({ message: e.message, webReachable: false, tls: false, retrySeconds: wait }));
      await pause(wait * 1000);
    }
  }
  if (identityFailed) return;
  delete $('status').dataset.problem;
  $('join-form').addEventListener('submit', join);
  // Disabled in the page until now: a click before the form is handled here would reload it.
  $('join').disabled = false;
  $('join-form').addEventListener('focusin', () => {
    loadRoomModules().catch(() => {});
    connectEarly();
  }, { once: true });
  $('word').addEventListener('change', prederive);
  $('leave').addEventListener('click', leave);
  $('copy-invite').addEventListener('click', () => copy(inviteText(), 'Invite copied. Tell them the word another way.'));
  $('copy-word-link').addEventListener('click', () => {
    if (!state.word) return;
    const u = new URL(pageAddress());
    u.hash = `word=${encodeURIComponent(state.word)}`;
    copy(u.href, 'Link with the word copied: whoever has it can join. The word is in the #fragment, never sent to a server.');
  });
  if (navigator.share) {
    $('share-invite').hidden = false;
    $('share-invite').addEventListener('click', () => navigator.share({ title: 'Switchboard', text: inviteText() }).catch(() => {}));
  }
  // A link with the word (only ever in the fragment): fill the field, then drop it from the address bar.
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get('word')) {
    $('word').value = fragment.get('word');
    history.replaceState(null, '', pageAddress());
    loadRoomModules().catch(() => {});
    connectEarly();
  }
  $('new-identity').addEventListener('click', async () => {
    if (state.signaling && !confirm('Make a new identity? You will leave the room.')) return;
    // Never while the first one still loads (both would claim an identity slot).
    if (!state.identity && !(await state.identityReady.then(() => true, () => false))) return;
    state.retryTicket = (state.retryTicket || 0) + 1;
    if (state.room) await leave();
    state.signaling?.close();
    state.signaling = null;
    takeEarlyConnection().then((s) => s?.close());
    state.identity = await newIdentity();
    $('me-fingerprint').textContent = state.identity.fingerprint;
    status(NEW_IDENTITY_TEXT);
  });
  status(READY_TEXT);
  // A word from a link: its derivation can begin now.
  prederive();
}

/**
 * A small window for tests and curious users: `await switchboard.peers()`. The read-only part
 * (`id`, `peers`, `nodeInfo`, `negotiation`) changes nothing; the rest drives a session as a
 * call page would (start it, add audio, restart ICE, ping).
 */
window.switchboard = {
  /** @returns {string|Promise<string>|undefined} this tab's peer id (a promise while it still loads). */
  id: () => state.identity?.id ?? state.identityReady?.then((identity) => identity.id),
  /**
   * @returns {boolean} whether this page, in a room, would now answer a newcomer's join that says
   *   `"o":1` with the first offer (docs/protocol.md §5 step 3: its own join out for long enough).
   */
  offersFirstNow: () => state.room?.offersFirstNow() ?? false,
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
  /** @returns {string|null} the last text the invite buttons copied (tests read it without a clipboard). */
  lastCopied: () => state.lastCopied ?? null,
  /** @returns {Promise<object|null>} a fresh statistics sample of the call with a peer (media.callStats). */
  stats: (peerId) => state.view?.stats(peerId) ?? null,
  /** @returns {object|null} the view's media state: tracks, mute, camera, quality. */
  media: () => state.view?.media() ?? null,
  /** @returns {object[]} the file transfers of the mounted view. */
  transfers: () => state.view?.transfers() ?? [],
};

start();
