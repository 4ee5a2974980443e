/**
 * What the callee and caller pages share (docs/protocol.md §5.2, §5.3): connecting to the node,
 * the URL fragments of a callee pair, and the session of an answered call shown in the shared
 * call view (`ui/call-view.js`).
 * @module callpage
 */
import { loadIdentity, shortFingerprint } from './identity.js';
import { discoverNode } from './discovery.js';
import { Signaling } from './signaling.js';
import { Session } from './session.js';
import { isPolite } from './negotiation.js';
import * as protocol from './protocol.js';
import { createHub, mount, pageCaps } from './ui/call-view.js';

/**
 * @param {string} hash `location.hash`.
 * @returns {Record<string,string>} the `k=v&...` pairs of the fragment.
 */
export function fragment(hash) {
  const out = {};
  for (const part of String(hash || '').replace(/^#/, '').split('&')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i)] = decodeURIComponent(part.slice(i + 1));
  }
  return out;
}

/**
 * Loads this browser's identity and connects to the node the page came from.
 * @param {(text: string) => void} status
 * @returns {Promise<{identity: any, node: any, signaling: Signaling}>}
 */
export async function connect(status) {
  const identity = await loadIdentity();
  const node = await discoverNode();
  status('Connecting to the node…');
  const signaling = await Signaling.connect({
    url: node.brokerUrl, identity, nodeId: node.info.nodeId,
    onState: (s) => { if (s !== 'connected') status(`Connection to the node: ${s}.`); },
  });
  return { identity, node, signaling };
}

/** What the callee service's pages support in a call (§5.2): files (the call view's file panel). */
export const PAGE_CAPS = Object.freeze(['FILE']);
/** Queries answered at most this many times per {@link QUERY_WINDOW_MS}, so a flood cannot use up the page's publish budget. */
const MAX_QUERY_ANSWERS = 8;
const QUERY_WINDOW_MS = 10000;

/**
 * Answers every `capabilities-query` in this page's inbox (§5.2) with `capabilities`: `caps`, the
 * query's `context`, and its `id` as `ref`; at most 8 answers per 10 s (further queries meanwhile
 * go unanswered). Queries from the node itself are ignored.
 * @param {Signaling} signaling
 * @param {{id:string}} identity this page's identity (its inbox).
 * @param {string[]} caps what this page supports.
 * @returns {Promise<() => void>} stops answering.
 */
export function answerCapabilityQueries(signaling, identity, caps) {
  let windowStart = 0;
  let answered = 0;
  return signaling.subscribe(protocol.inboxTopic(identity.id), (m, sender) => {
    if (sender === protocol.NODE_SENDER || !protocol.PEER_ID.test(sender || '')) return;
    const q = protocol.readCapabilitiesQuery(m);
    if (!q) return;
    const now = performance.now();
    if (now - windowStart > QUERY_WINDOW_MS) {
      windowStart = now;
      answered = 0;
    }
    if (++answered > MAX_QUERY_ANSWERS) return;
    const answer = protocol.capabilities({ caps: [...caps], context: q.context ?? undefined, ref: q.id ?? undefined });
    signaling.publish(protocol.inboxTopic(sender), answer).catch(() => {});
  });
}

/**
 * Asks a peer's page what it supports (§5.2 `capabilities-query`) and waits for its answer.
 * @param {Signaling} signaling
 * @param {{id:string}} identity this page's identity (the answer comes to its inbox).
 * @param {string} peerId whom to ask.
 * @param {{context?:string, timeoutMillis?:number}} [o] the call it is about; how long to wait
 *   (default 15000 ms).
 * @returns {Promise<string[]|null>} the peer's capabilities, or null if it did not answer in time.
 */
export async function queryCapabilities(signaling, identity, peerId, { context, timeoutMillis = 15000 } = {}) {
  const id = randomId(9);
  let done = null;
  const answer = new Promise((resolve) => { done = resolve; });
  const stop = await signaling.subscribe(protocol.inboxTopic(identity.id), (m, sender) => {
    if (sender !== peerId) return;
    const c = protocol.readCapabilities(m);
    if (c && c.ref === id) done(c.caps);
  });
  const timer = setTimeout(() => done(null), timeoutMillis);
  try {
    await signaling.publish(protocol.inboxTopic(peerId), protocol.capabilitiesQuery({ context, id }));
    return await answer;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    stop();
  }
}

/**
 * @param {string[]|null} caps a peer's capabilities.
 * @returns {string} them in words, for the call pages.
 */
export function capsText(caps) {
  if (!caps) return 'did not say what it supports';
  const words = { VOICE: 'voice', VIDEO: 'video', FILE: 'files' };
  return caps.length ? `supports ${caps.map((c) => words[c] || c).join(', ')}` : 'takes no calls';
}

/**
 * A random base64url id of `bytes` random bytes.
 * @param {number} bytes
 * @returns {string}
 */
export function randomId(bytes) {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Runs the session of an answered call and mounts the call view for it.
 * @param {object} o
 * @param {any} o.identity @param {any} o.node @param {Signaling} o.signaling
 * @param {{id:string, key:CryptoKey, nonce:string, name:string, caps?:string[]}} o.peer `caps`: what the
 *   peer's page said it can do in its call or accept (§5.2); the view offers what both can.
 * @param {string[]} [o.caps] what this page can do (what it sent); default {@link pageCaps}.
 * @param {string} o.nonce this side's nonce (its call or accept).
 * @param {string} o.context `call:<callId>`.
 * @param {string} o.name this side's name.
 * @param {HTMLElement} o.container where the view goes.
 * @param {boolean} o.starts whether this side sends the first offer (the caller).
 * @param {boolean} [o.direct] the called side consented to a direct (P2P) link (its `accept` said
 *   `"mode":"p2p"`, §5.2): descriptions go unchanged and candidates are trickled; default relayed.
 * @param {(text: string) => void} o.status
 * @returns {{session: Session, receive: (m: object) => void, close: () => void}}
 */
export function runCall(o) {
  let view = null;
  const peerView = {
    id: o.peer.id, name: o.peer.name, fingerprint: shortFingerprint(o.peer.id), state: 'connecting',
    refusal: null, route: null, relayed: false, verified: false, caps: o.peer.caps ?? [],
  };
  const hub = createHub({ name: o.name, session: (id) => (id === o.peer.id ? session : null) });
  const session = new Session({
    identity: o.identity,
    nonce: o.nonce,
    peer: { id: o.peer.id, key: o.peer.key, nonce: o.peer.nonce },
    context: o.context,
    polite: isPolite(o.identity.id, o.peer.id),
    iceServers: o.node.iceServers,
    direct: o.direct === true,
    signal: (message) => o.signaling.publish(protocol.inboxTopic(o.peer.id), message),
    onState: async (state, refusal) => {
      peerView.state = state;
      peerView.refusal = refusal;
      if (state === 'connected') {
        peerView.verified = true;
        peerView.route = await session.route();
        // The node's relay candidate is typ relay; a direct link's remote candidate is the peer's own.
        peerView.relayed = !!peerView.route && (peerView.route.remoteType === 'relay'
          || (!o.direct && peerView.route.remoteAddress === o.node.info.relay.host));
        document.body.dataset.route = peerView.relayed ? 'relay' : 'direct';
        o.status(`In a call with ${o.peer.name || 'someone'} — ${peerView.relayed
          ? 'relayed by the node: neither of you sees the other\'s address'
          : 'direct (P2P): each of you sees the other\'s address'}.`);
      } else if (state === 'closed') {
        o.status('The call ended.');
      } else if (state === 'refused') {
        o.status('The call could not be set up safely.');
      }
      hub.peers([{ ...peerView }]);
    },
    onMessage: (label, message) => hub.message({ ...peerView }, label, message),
  });
  hub.peers([{ ...peerView }]);
  view = mount(o.container, hub.link, {
    caps: o.caps ?? pageCaps(), relayHost: o.node.relayHost, saveTo: globalThis.switchboardOptions?.saveTo ?? 'ask',
  });
  if (o.starts) session.start();
  return {
    session,
    receive: (m) => { session.receive(m); },
    close: () => { session.close(); view?.destroy(); },
  };
}
