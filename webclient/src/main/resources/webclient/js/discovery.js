/**
 * Finding the node a page talks to (docs/protocol.md §2): its `node-info.json`, the broker's
 * WebSocket URL and the ICE servers a page may use. Every page (room, call, lobby, admin) starts
 * here.
 *
 * The node is the one that served the page. Only a page hosted somewhere else (whose own origin
 * serves no node-info.json) follows `?node=<url>`, e.g. `?node=https://192.0.2.10:8443/`; a node's
 * own page never does, so a crafted link cannot make it sign in through another node.
 * @module discovery
 */

/**
 * @typedef {object} NodeInfo the parts of node-info.json a client uses (§2).
 * @property {string} nodeId
 * @property {{webSocketPort:number, path:string, tls:boolean}} broker
 * @property {{host:string, port:number}} stun
 * @property {{host:string}} relay
 */

/**
 * @typedef {object} DiscoveredNode
 * @property {NodeInfo} info the node's node-info.json.
 * @property {URL} base the node's web base URL (node-info.json lives right under it).
 * @property {string} brokerUrl the broker's WebSocket URL.
 * @property {RTCIceServer[]} iceServers the node's own STUN service, and nothing else.
 * @property {string} relayHost the address rewritten candidates name (§8).
 */

/**
 * Reads the node's description and derives what a page needs to connect.
 * @param {object} [o]
 * @param {string} [o.href] the page's address; defaults to `location.href`.
 * @param {(url: URL, init: object) => Promise<Response>} [o.fetch] defaults to the global fetch.
 * @returns {Promise<DiscoveredNode>}
 * @throws {Error} naming the problem: no node-info.json at the page's origin and no `?node=`,
 *   a `?node=` that is not an http(s) URL, an HTTP error, or a document without the fields of §2.
 */
export async function discoverNode({ href = globalThis.location?.href, fetch = globalThis.fetch } = {}) {
  const page = new URL(href);
  let base = new URL('.', page);
  let info = null;
  // `no-cache`: the browser keeps the copy but asks every time (If-None-Match); the node answers
  // 304 without a body while it is unchanged, so a reload costs no body and never reads a stale one.
  // The pages that read it at start (index, admin, lobby, callee) preload it in their <head>
  // (`<link rel="preload" as="fetch" crossorigin="anonymous">`, sent beside the modules): this
  // request matches that one (the same URL, CORS mode, same-origin credentials), so the browser
  // hands over the preload's answer instead of asking again.
  const own = await fetch(new URL('node-info.json', base), { cache: 'no-cache' }).catch(() => null);
  if (own && own.ok) {
    info = await own.json();
  } else {
    const named = page.searchParams.get('node');
    if (!named) throw new Error(`node-info.json: ${own ? `HTTP ${own.status}` : 'unreachable'}`);
    try {
      base = new URL(named);
    } catch {
      throw new Error(`?node=${named} is not a URL`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error(`?node=${named} is not an http(s) URL`);
    const res = await fetch(new URL('node-info.json', base), { cache: 'no-cache' });
    if (!res.ok) throw new Error(`node-info.json at ${base.origin}: HTTP ${res.status}`);
    info = await res.json();
  }
  checkInfo(info);
  return { info, base, brokerUrl: brokerUrl(info, base), iceServers: iceServers(info), relayHost: info.relay.host };
}

function checkInfo(info) {
  const ok = info && typeof info === 'object'
    && typeof info.nodeId === 'string'
    && info.broker && Number.isInteger(info.broker.webSocketPort) && typeof info.broker.path === 'string'
    && info.stun && typeof info.stun.host === 'string' && Number.isInteger(info.stun.port)
    && info.relay && typeof info.relay.host === 'string';
  if (!ok) throw new Error('node-info.json lacks nodeId, broker, stun or relay');
}

/**
 * The broker's WebSocket URL: the node's host name as the page reached it, the broker's port and
 * path from node-info.json, `wss` when the broker uses TLS.
 * @param {NodeInfo} info
 * @param {URL} base the node's web base URL.
 * @returns {string} e.g. `wss://127.0.0.1:8444/mqtt`.
 */
export function brokerUrl(info, base) {
  const b = info.broker;
  return `${b.tls ? 'wss' : 'ws'}://${bracketed(base.hostname)}:${b.webSocketPort}${b.path}`;
}

/**
 * @param {NodeInfo} info
 * @returns {RTCIceServer[]} only the node's STUN service (no other server is ever contacted).
 */
export function iceServers(info) {
  return [{ urls: `stun:${bracketed(info.stun.host)}:${info.stun.port}` }];
}

/** An IPv6 literal in brackets, anything else as it is. */
function bracketed(host) {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
