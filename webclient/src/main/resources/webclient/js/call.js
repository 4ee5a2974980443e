/**
 * The caller page (docs/protocol.md §5.3): shows the callee's label, asks for a name, and calls.
 * The caller always knows what is happening: ringing, answered, declined (with the reason), no
 * answer after the node's ring timeout, callee offline, busy, or an unknown or expired caller URL.
 * @module call
 */
import * as protocol from './protocol.js';
import { randomNonce, toBase64Url } from './encoding.js';
import { importPeerKey } from './identity.js';
import { sealName } from './callbox.js';
import {
  PAGE_CAPS, answerCapabilityQueries, capsText, connect, fragment, queryCapabilities, randomId, runCall,
} from './callpage.js';

const $ = (id) => document.getElementById(id);
const DECLINED = {
  busy: 'The callee is busy in another call.',
  rejected: 'The callee declined the call.',
  unavailable: 'The callee cannot take calls now.',
};
/** The page's state, exposed for the browser tests as `window.caller`. */
const state = { outcome: '', call: null, caps: PAGE_CAPS, peerCaps: undefined };
window.caller = state;

function status(text, outcome = state.outcome) {
  state.outcome = outcome;
  document.body.dataset.outcome = outcome;
  $('status').textContent = text;
}

async function main() {
  const f = fragment(location.hash);
  const calleeId = f.c || '';
  if (!protocol.PEER_ID.test(calleeId)) {
    status('This caller URL does not exist or has expired.', 'unknown');
    return;
  }
  const response = await fetch(`callee.json?id=${encodeURIComponent(calleeId)}`, { cache: 'no-store' });
  if (response.status === 404) {
    status('This caller URL does not exist or has expired.', 'unknown');
    return;
  }
  const info = await response.json();
  $('label').textContent = info.label || '';
  const ringTimeoutMs = (info.ringTimeoutSeconds || 45) * 1000;
  $('call-form').hidden = false;
  status('Ready to call.', 'ready');

  let conn = null;
  $('call-form').onsubmit = async (event) => {
    event.preventDefault();
    $('call-button').disabled = true;
    if (!conn) {
      conn = await connect((t) => status(t));
      await answerCapabilityQueries(conn.signaling, conn.identity, PAGE_CAPS);
    }
    const { identity, node, signaling } = conn;
    const callId = randomId(16);
    const context = protocol.callContext(callId);
    const nonce = randomNonce();
    const name = protocol.cleanName($('name').value);
    const p2p = $('p2p').checked;
    let settled = false;
    let timer = null;
    const early = [];
    const finish = (text, outcome) => {
      settled = true;
      clearTimeout(timer);
      status(text, outcome);
      $('call-button').disabled = false;
    };
    // The node's refusal comes back twice: as the PUBACK (whose reason string MQTT.js does not
    // hand on) and as an error in this inbox, with its code (docs/protocol.md §4, §7).
    let nodeError = null;
    const nodeErrorSeen = new Promise((resolve) => { nodeError = resolve; });
    const unsubscribe = await signaling.subscribe(protocol.inboxTopic(identity.id), async (m, sender) => {
      if (sender === protocol.NODE_SENDER && m.type === 'error') {
        const e = protocol.readError(m);
        if (e) nodeError(e);
        return;
      }
      if (m.context !== context) return;
      if (state.call) {
        if (sender === state.peerId) state.call.receive(m);
        return;
      }
      if (m.type === 'decline' && !settled) {
        const d = protocol.readDecline(m);
        if (d) finish(DECLINED[d.reason], d.reason === 'busy' ? 'busy' : 'declined');
        return;
      }
      if (m.type === 'accept' && !settled) {
        const a = protocol.readAccept(m);
        if (!a) return;
        settled = true;
        clearTimeout(timer);
        state.peerId = sender;
        const direct = p2p && a.mode === 'p2p';
        status(direct ? 'Answered: direct (P2P), each side sees the other\'s address. Connecting…'
          : 'Answered: relayed by the node. Connecting…', 'answered');
        const key = await importPeerKey(a.key, sender);
        state.call = runCall({
          identity, node, signaling, peer: { id: sender, key, nonce: a.nonce, name: $('label').textContent, caps: a.caps },
          nonce, context, name: name || 'me', container: $('call'), starts: true, direct, caps: PAGE_CAPS,
          status: (t) => status(t, 'answered'),
        });
        early.splice(0).forEach((x) => state.call.receive(x));
        // What the callee's page supports, asked in the call vocabulary (§5.2).
        queryCapabilities(signaling, identity, sender, { context }).then((caps) => {
          state.peerCaps = caps;
          $('peer-caps').textContent = `The callee's page ${capsText(caps)}.`;
        });
      } else if (m.type === 'accept' && settled && sender !== state.peerId) {
        // another tab answered too late: end it there
        signaling.publish(protocol.inboxTopic(sender), protocol.hangup(context)).catch(() => {});
      } else if (!state.call && early.length < 16 && sender === state.peerId) {
        early.push(m);
      }
    });
    const sealed = f.k && name ? await sealName({ calleePublicRaw: f.k, callId, callerId: identity.id, calleeId, name }) : {};
    try {
      await signaling.publish(`sb/v1/callee/${calleeId}`, protocol.call({
        context, key: toBase64Url(identity.spki), nonce, caps: [...PAGE_CAPS], p2p, ...sealed,
      }));
    } catch (e) {
      const refusal = await Promise.race([nodeErrorSeen, new Promise((r) => setTimeout(() => r(null), 5000))]);
      unsubscribe();
      const code = refusal ? refusal.code : e.message;
      if (/^unknown-callee/.test(code)) finish('This caller URL does not exist or has expired.', 'unknown');
      else if (/^recipient-unavailable/.test(code)) finish('The callee is offline: nobody is waiting for calls there now.', 'offline');
      else finish(`The call could not be made: ${refusal ? refusal.message : e.message}`, 'error');
      return;
    }
    if (!settled) status('Ringing…', 'ringing');
    timer = setTimeout(() => {
      if (settled) return;
      finish(`No answer after ${Math.round(ringTimeoutMs / 1000)} s.`, 'no-answer');
      signaling.publish(`sb/v1/callee/${calleeId}`, protocol.hangup(context)).catch(() => {});
    }, ringTimeoutMs);
  };
}

main().catch((e) => status(`Something went wrong: ${e.message}`, 'error'));
