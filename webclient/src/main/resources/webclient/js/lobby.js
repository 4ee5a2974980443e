/**
 * The lobby page (docs/lobby.md): a person types their name (and, when the node has several
 * admins, the admin's name, never chosen from a list), presses "Request chat" and waits until the
 * admin calls. Every request gets the same waiting page, whether the admin exists and the name is
 * permitted or not: the node answers all of them alike. The page rings when the admin the node
 * vouched for (`lobby-call`, sent as the node) calls with the call vocabulary (`call`,
 * docs/protocol.md §5.2); answering starts the relayed session and the shared call view.
 * @module lobby
 */
import { loadIdentity } from './identity.js';
import { discoverNode } from './discovery.js';
import { Signaling } from './signaling.js';
import { randomNonce, toBase64Url } from './encoding.js';
import * as protocol from './protocol.js';
import { startCall } from './lobby-call.js';
import { pageCaps } from './ui/call-view.js';

const $ = (id) => document.getElementById(id);
/** Nobody answers a ring forever: after this long the page declines as unavailable. */
const RING_MILLIS = 45000;

const state = {
  identity: null, node: null, signaling: null, askAdmin: false, name: '', admin: '',
  /** the caller the node announced, and its admin name */
  vouched: null,
  /** the ringing call: {context, key, nonce, from} */
  ringing: null,
  ringTimer: null,
  call: null,
  phase: 'form',
};

function status(text, kind = '') {
  $('status').textContent = text;
  $('status').className = kind;
}

function show(phase) {
  state.phase = phase;
  $('request-form').hidden = phase !== 'form';
  $('waiting').hidden = phase !== 'waiting';
  $('ringing').hidden = phase !== 'ringing';
  $('in-call').hidden = phase !== 'in-call';
}

function waitingText() {
  return `Waiting for ${state.admin || 'the host'} to call you…`;
}

async function request(event) {
  event.preventDefault();
  const name = protocol.cleanName($('name').value);
  const admin = state.askAdmin ? protocol.cleanName($('admin').value) : '';
  if (!name || (state.askAdmin && !admin)) return;
  $('request').disabled = true;
  try {
    if (!state.signaling) {
      status('Connecting to the node…', 'busy');
      state.signaling = await Signaling.connect({
        url: state.node.brokerUrl, identity: state.identity, nodeId: state.node.info.nodeId,
        onState: (s) => { if (s !== 'connected') status(`Connection to the node: ${s}.`, 'bad'); },
      });
      await state.signaling.subscribe(protocol.inboxTopic(state.identity.id), onInbox);
      state.signaling.onReconnected = () => {
        if (state.phase === 'waiting') sendRequest().catch(() => {});
      };
    }
    state.name = name;
    state.admin = admin;
    localStorage.setItem('switchboard.lobby.name', name);
    await sendRequest();
    show('waiting');
    $('waiting-text').textContent = waitingText();
    status('Your request was sent.');
  } catch (e) {
    status(`Could not send the request: ${e.message}.`, 'bad');
  } finally {
    $('request').disabled = false;
  }
}

function sendRequest() {
  const m = { v: protocol.VERSION, type: 'lobby-request', name: state.name };
  if (state.admin) m.admin = state.admin;
  return state.signaling.publish(protocol.inboxTopic(state.node.info.nodeId), m);
}

async function cancel() {
  stopRinging();
  await state.signaling?.publish(protocol.inboxTopic(state.node.info.nodeId),
    { v: protocol.VERSION, type: 'lobby-cancel' }).catch(() => {});
  state.vouched = null;
  show('form');
  status('You stopped waiting.');
}

function onInbox(m, sender) {
  if (sender === protocol.NODE_SENDER && m.type === 'lobby-call' && protocol.PEER_ID.test(m.caller)) {
    state.vouched = { id: m.caller, admin: typeof m.admin === 'string' ? protocol.cleanName(m.admin) : '' };
    return;
  }
  if (!state.vouched || sender !== state.vouched.id) return; // only the admin the node vouched for
  if (m.type === 'call' && state.phase === 'waiting') {
    const c = protocol.readCall(m, sender);
    if (c) ring({ ...c, from: sender });
  } else if (m.type === 'hangup' && state.ringing && protocol.readHangup(m)?.context === state.ringing.context) {
    stopRinging();
    show('waiting');
    status('The call was withdrawn. You are still waiting.');
  }
}

function ring(c) {
  state.ringing = c;
  const who = state.vouched.admin || state.admin || 'The host';
  $('ringing-text').textContent = `${who} is calling you…`;
  show('ringing');
  status(`${who} is calling you.`, 'busy');
  beep();
  clearTimeout(state.ringTimer);
  state.ringTimer = setTimeout(() => decline('unavailable'), RING_MILLIS);
}

/** A short tone; browsers allow it after the click on "Request chat". */
function beep() {
  try {
    const audio = new AudioContext();
    const osc = audio.createOscillator();
    osc.frequency.value = 660;
    osc.connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.4);
    osc.onended = () => audio.close();
  } catch {
    // no sound: the page still shows the call
  }
}

function stopRinging() {
  clearTimeout(state.ringTimer);
  state.ringing = null;
}

async function decline(reason = 'rejected') {
  const c = state.ringing;
  stopRinging();
  if (!c) return;
  await state.signaling.publish(protocol.inboxTopic(c.from), protocol.decline({ context: c.context, reason })).catch(() => {});
  show('waiting');
  status('You declined. You are still waiting.');
}

async function answer() {
  const c = state.ringing;
  stopRinging();
  if (!c) return;
  const nonce = randomNonce(16);
  try {
    await state.signaling.publish(protocol.inboxTopic(c.from), protocol.accept({
      context: c.context, key: toBase64Url(state.identity.spki), nonce, caps: pageCaps(),
    }));
    show('in-call');
    $('call').replaceChildren();
    const admin = state.vouched.admin || state.admin || 'the host';
    status(`Connecting to ${admin}…`, 'busy');
    state.call = await startCall({
      identity: state.identity, signaling: state.signaling, node: state.node, context: c.context, nonce,
      peer: { id: c.from, key: c.key, nonce: c.nonce, caps: c.caps }, name: state.name, peerName: admin, caller: false,
      container: $('call'),
      onState: (s, relayed) => {
        if (s === 'connected') status(`In a chat with ${admin}${relayed ? ' via the node\'s relay' : ''}.`);
        if (s === 'refused') status(`The connection to ${admin} was refused.`, 'bad');
      },
      onEnd: () => callEnded(),
    });
  } catch (e) {
    status(`Could not answer: ${e.message}.`, 'bad');
    show('waiting');
  }
}

function callEnded() {
  state.call = null;
  $('call').replaceChildren();
  show('waiting');
  $('waiting-text').textContent = waitingText();
  status('The chat ended. You are still waiting.');
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
    const res = await fetch(new URL('lobby.json', state.node.base), { cache: 'no-store' });
    state.askAdmin = res.ok && (await res.json()).askAdmin === true;
  } catch (e) {
    status(`Could not start: ${e.message}`, 'bad');
    return;
  }
  $('admin-label').hidden = !state.askAdmin;
  $('admin').required = state.askAdmin;
  $('name').value = localStorage.getItem('switchboard.lobby.name') || '';
  $('request-form').addEventListener('submit', request);
  // Disabled in the page until now: a click before the form is handled here would reload it.
  $('request').disabled = false;
  $('cancel').addEventListener('click', cancel);
  $('answer').addEventListener('click', answer);
  $('decline').addEventListener('click', () => decline('rejected'));
  $('hang-up').addEventListener('click', () => state.call?.hangUp());
  show('form');
  status(state.askAdmin ? 'Enter your name and the name of the person you want to talk to.' : 'Enter your name.');
}

/** For tests and the curious: the page's identity and phase. */
window.switchboard = {
  id: () => state.identity?.id,
  fingerprint: () => state.identity?.fingerprint,
  phase: () => state.phase,
  session: () => (state.call ? { state: state.call.session.state, verified: state.call.session.verified } : null),
};

start();
