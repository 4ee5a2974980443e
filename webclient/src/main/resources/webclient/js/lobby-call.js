/**
 * One call of the lobby (docs/lobby.md): after `call` and `accept` (docs/protocol.md §5.2) both
 * sides know each other's key and nonce; this module runs the one relayed session between them and
 * mounts the shared call view (`ui/call-view.js`: chat now, media and files as the view grows).
 * The caller (the admin) makes the first offer, as §5.2 says.
 *
 * Threading: browser main thread.
 * @module lobby-call
 */
import { importPeerKey, shortFingerprint } from './identity.js';
import { Session } from './session.js';
import * as protocol from './protocol.js';
import { createHub, mount, pageCaps } from './ui/call-view.js';

/**
 * @typedef {object} LobbyCall
 * @property {Session} session
 * @property {() => void} hangUp ends the call (tells the peer) and removes the view.
 */

/**
 * Starts the session of an answered lobby call and mounts the call view.
 * @param {object} o
 * @param {import('./identity.js').Identity} o.identity this side.
 * @param {import('./signaling.js').Signaling} o.signaling connected to the node.
 * @param {import('./discovery.js').DiscoveredNode} o.node
 * @param {string} o.context the call's context, `call:<callId>`.
 * @param {string} o.nonce this side's nonce for the call.
 * @param {{id:string, key:string, nonce:string, caps?:string[]}} o.peer the other side: peer id, SPKI
 *   (base64url, from its `call` or `accept`), nonce, and what its page can do (its `caps`, §5.2).
 * @param {string[]} [o.caps] what this page can do (what it sent); default {@link pageCaps}.
 * @param {string} o.name this side's name, for the view.
 * @param {string} o.peerName the other side's name as this page knows it.
 * @param {boolean} o.caller whether this side called (it offers first).
 * @param {HTMLElement} o.container where the view goes.
 * @param {(state: string, relayed: boolean) => void} [o.onState] the session's state.
 * @param {() => void} [o.onEnd] the call ended (either side hung up, or it failed).
 * @returns {Promise<LobbyCall>}
 * @throws {Error} when the peer's key does not hash to its id.
 */
export async function startCall(o) {
  const key = await importPeerKey(o.peer.key, o.peer.id);
  const fingerprint = shortFingerprint(o.peer.id);
  let session = null;
  let ended = false;
  let relayed = false;
  let route = null;
  const hub = createHub({ name: o.name, session: (id) => (id === o.peer.id ? session : null) });
  const view = () => ({
    id: o.peer.id, name: o.peerName, fingerprint, state: session.state, refusal: session.refusal,
    route, relayed, verified: session.verified, caps: o.peer.caps ?? [],
  });
  session = new Session({
    identity: o.identity,
    nonce: o.nonce,
    peer: { id: o.peer.id, key, nonce: o.peer.nonce },
    context: o.context,
    polite: !o.caller,
    iceServers: o.node.iceServers,
    signal: (message) => o.signaling.publish(protocol.inboxTopic(o.peer.id), message),
    onState: async (state) => {
      if (state === 'connected') {
        route = await session.route();
        relayed = !!route && route.remoteAddress === o.node.relayHost;
      }
      hub.peers([view()]);
      o.onState?.(state, relayed);
      if ((state === 'closed' || state === 'refused') && !ended) {
        ended = true;
        unsubscribe();
        o.onEnd?.();
      }
    },
    onMessage: (label, message) => hub.message(view(), label, message),
  });
  const unsubscribe = await o.signaling.subscribe(protocol.inboxTopic(o.identity.id), (m, sender) => {
    if (sender === o.peer.id && m.context === o.context) session.receive(m);
  });
  const callView = mount(o.container, hub.link, {
    caps: o.caps ?? pageCaps(), relayHost: o.node.relayHost, saveTo: globalThis.switchboardOptions?.saveTo ?? 'ask',
  });
  hub.peers([view()]);
  if (o.caller) session.start();
  return {
    session,
    hangUp() {
      if (!ended) o.signaling.publish(protocol.inboxTopic(o.peer.id), protocol.hangup(o.context)).catch(() => {});
      session.close();
      callView.destroy();
    },
  };
}
