/**
 * The callee page (docs/protocol.md §5.3): waits for calls on the callee pair's ring topic (the
 * secret from the URL fragment proves the right to), rings with WebAudio (and a notification when
 * the tab is in the background), shows the caller's sealed name and key fingerprint, and lets the
 * person answer, decline or silence. Several tabs may wait; the first to answer takes the call.
 * @module callee
 */
import * as protocol from './protocol.js';
import { randomNonce, toBase64Url } from './encoding.js';
import { importPeerKey, shortFingerprint } from './identity.js';
import { importCalleePrivate, openName } from './callbox.js';
import {
  PAGE_CAPS, answerCapabilityQueries, capsText, connect, fragment, queryCapabilities, runCall,
} from './callpage.js';

const $ = (id) => document.getElementById(id);
const WAITING_ICON = 'data:image/svg+xml,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#2a7"/></svg>');
const RINGING_ICON = 'data:image/svg+xml,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#e62"/></svg>');

/** The page's state, exposed for the browser tests as `window.callee`. */
const state = {
  ringing: null, // { context, callerId, call, name }
  inCall: null, // the context of the answered call
  audio: null, // AudioContext
  ringTimer: null,
  call: null,
  caps: PAGE_CAPS, // what this page supports (§5.2)
  peerCaps: undefined, // what the caller's page answered to our capabilities-query
};
window.callee = state;

function status(text) {
  $('status').textContent = text;
}

function setIcon(href, title) {
  $('favicon').href = href;
  document.title = title;
}

function waiting() {
  state.ringing = null;
  $('ringing').hidden = true;
  document.body.dataset.ringing = 'false';
  stopRing();
  if (!state.inCall) {
    setIcon(WAITING_ICON, 'Waiting for calls · Switchboard');
    status('Waiting for calls. Keep this tab open.');
  }
}

/** A ring made with WebAudio: two short tones every two seconds, no sound file. */
function startRing() {
  if (!state.audio) state.audio = new AudioContext();
  const ctx = state.audio;
  ctx.resume().catch(() => {});
  const beep = () => {
    for (const [at, freq] of [[0, 440], [0.4, 480]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.3);
    }
  };
  beep();
  state.ringTimer = setInterval(beep, 2000);
}

function stopRing() {
  if (state.ringTimer) clearInterval(state.ringTimer);
  state.ringTimer = null;
}

async function main() {
  const f = fragment(location.hash);
  if (!protocol.PEER_ID.test(f.c || '') || !f.s) {
    status('This callee URL is incomplete: it needs the callee id and secret after the #.');
    return;
  }
  const calleeId = f.c;
  const ringTopic = `sb/v1/callee/${calleeId}`;
  const calleePrivate = f.k ? await importCalleePrivate(f.k) : null;
  const { identity, node, signaling } = await connect(status);
  await answerCapabilityQueries(signaling, identity, PAGE_CAPS);
  const early = [];
  await signaling.subscribe(protocol.inboxTopic(identity.id), (m, sender) => {
    if (!state.inCall || m.context !== state.inCall || sender !== state.peerId) return;
    if (state.call) state.call.receive(m);
    else if (early.length < 16) early.push(m); // the offer may come before the session exists
  });
  try {
    await signaling.subscribe(ringTopic, (m, sender) => onRing(m, sender), { 'sb-callee-secret': f.s });
  } catch (e) {
    status('The node refused this callee URL: the secret is wrong, or the pair expired.');
    return;
  }
  waiting();
  $('enable-sound').onclick = () => {
    if (!state.audio) state.audio = new AudioContext();
    state.audio.resume().catch(() => {});
    if ('Notification' in window && Notification.permission === 'default') Notification.requestPermission().catch(() => {});
    $('enable-sound').disabled = true;
  };

  async function onRing(m, sender) {
    if (m.type === 'hangup') {
      const h = protocol.readHangup(m);
      const r = state.ringing;
      if (h && r && r.context === h.context) {
        waiting();
        status(sender === r.callerId ? 'The caller hung up. Waiting for calls.'
          : 'The call was answered in another tab. Waiting for calls.');
      }
      return;
    }
    const call = protocol.readCall(m, sender);
    if (!call) return;
    if (state.inCall || state.ringing) {
      signaling.publish(protocol.inboxTopic(sender), protocol.decline({ context: call.context, reason: 'busy' })).catch(() => {});
      return;
    }
    const callId = call.context.slice('call:'.length);
    let name = null;
    if (call.box && calleePrivate) {
      name = await openName({ calleePrivate, callId, callerId: sender, calleeId, epk: call.epk, box: call.box });
    }
    state.ringing = { context: call.context, callerId: sender, call, name: name || '' };
    $('caller-name').textContent = name === null ? '(name could not be read)' : (name || 'someone without a name');
    $('caller-fingerprint').textContent = shortFingerprint(sender);
    // Asked only when the caller asked for a direct link; relayed stays the default choice.
    $('mode-choice').hidden = !call.p2p;
    document.querySelector('input[name=mode][value=relay]').checked = true;
    $('caller-mode').textContent = call.p2p ? '' : 'The call will be relayed by the node: neither side sees the other\'s address.';
    $('ringing').hidden = false;
    document.body.dataset.ringing = 'true';
    setIcon(RINGING_ICON, `Call from ${name || 'someone'} · Switchboard`);
    status('Ringing…');
    startRing();
    if (document.hidden && 'Notification' in window && Notification.permission === 'granted') {
      try {
        new Notification('Switchboard: incoming call', { body: `From ${name || 'someone'}`, tag: call.context });
      } catch { /* notifications are a courtesy */ }
    }
  }

  $('silence').onclick = () => stopRing();
  $('decline').onclick = async () => {
    const r = state.ringing;
    if (!r) return;
    waiting();
    await signaling.publish(protocol.inboxTopic(r.callerId), protocol.decline({ context: r.context, reason: 'rejected' })).catch(() => {});
    await signaling.publish(ringTopic, protocol.hangup(r.context)).catch(() => {});
    status('You declined the call. Waiting for calls.');
  };
  $('answer').onclick = async () => {
    const r = state.ringing;
    if (!r) return;
    stopRing();
    const nonce = randomNonce();
    const mode = r.call.p2p && document.querySelector('input[name=mode]:checked')?.value === 'p2p' ? 'p2p' : 'relay';
    try {
      await signaling.publish(protocol.inboxTopic(r.callerId), protocol.accept({
        context: r.context, key: toBase64Url(identity.spki), nonce, caps: [...PAGE_CAPS], mode,
      }));
    } catch (e) {
      waiting();
      status(/call-taken/.test(e.message) ? 'The call was answered in another tab.' : `Could not answer: ${e.message}`);
      return;
    }
    signaling.publish(ringTopic, protocol.hangup(r.context)).catch(() => {});
    state.ringing = null;
    state.inCall = r.context;
    state.peerId = r.callerId;
    $('ringing').hidden = true;
    document.body.dataset.ringing = 'false';
    setIcon(WAITING_ICON, 'In a call · Switchboard');
    // (Worded unlike the connected call's line, which says "relayed by the node" once it is up.)
    status(mode === 'p2p' ? 'Answered: a direct (P2P) link, each side will see the other\'s address. Connecting…'
      : 'Answered: the call goes through the node\'s relay. Connecting…');
    const key = await importPeerKey(r.call.key, r.callerId);
    state.call = runCall({
      identity, node, signaling, peer: { id: r.callerId, key, nonce: r.call.nonce, name: r.name, caps: r.call.caps },
      nonce, context: r.context, name: '', container: $('call'), starts: false, status, direct: mode === 'p2p',
      caps: PAGE_CAPS,
    });
    early.splice(0).forEach((m) => state.call.receive(m));
    queryCapabilities(signaling, identity, r.callerId, { context: r.context }).then((caps) => {
      state.peerCaps = caps;
      $('peer-caps').textContent = `The caller's page ${capsText(caps)}.`;
    });
  };
}

main().catch((e) => status(`Something went wrong: ${e.message}`));
