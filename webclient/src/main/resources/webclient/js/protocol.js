/**
 * The Switchboard protocol, version 1, as the web client speaks it; it mirrors docs/protocol.md
 * section by section: the shapes of ids and nonces (§1, §5), topics (§4), contexts (§6), the
 * signaling messages (§5, §7) and the messages two peers exchange on their data channels (§10).
 *
 * Constructors build exactly the documented shapes. `read*` checks take untrusted JSON (already
 * parsed, possibly anything) and return a normalized value, or null when a required field is
 * missing or malformed; they never throw. Unknown fields are ignored (§5). This module has no
 * state and no browser dependency.
 * @module protocol
 */

/** Protocol version, the `v` field of every message. */
export const VERSION = 1;
/** Versioned topic root (§4). */
export const ROOT = 'sb/v1';
/** The `sb-sender` of messages the node itself publishes (§4); never a valid peer id. */
export const NODE_SENDER = 'node';

/** A peer id (§1): base64url of a SHA-256 hash, exactly 43 characters. */
export const PEER_ID = /^[A-Za-z0-9_-]{43}$/;
/** A room id (§1): the same shape as a peer id. */
export const ROOM_ID = PEER_ID;
/** A nonce in join/hello (§5): 16 to 64 base64url characters. */
export const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
/** A context (§6): what an offer, answer or hangup is about. */
export const CONTEXT = /^(room|call):[A-Za-z0-9_-]{1,64}$/;
/** Longest display name (§5.1), inside the sealed box. */
export const MAX_NAME = 64;

/**
 * Characters a display name never carries (docs/protocol.md §5.1): C0 and C1 controls (NUL
 * included), DEL, the line and paragraph separators, and the bidirectional embeddings, overrides
 * and isolates (U+202A-U+202E, U+2066-U+2069) that could make one name look like another.
 */
const NAME_STRIPPED = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/**
 * A display name as it may be shown and sent: the characters above removed, surrounding white
 * space trimmed, at most {@link MAX_NAME} code points. Senders clean their own name before sealing
 * it; receivers clean every name they open, since the node cannot see (or check) sealed names.
 * @param {any} name
 * @returns {string} the clean name, '' for anything that is not a string
 */
export function cleanName(name) {
  if (typeof name !== 'string') return '';
  return Array.from(name.replace(NAME_STRIPPED, '').trim()).slice(0, MAX_NAME).join('');
}
/** Longest `box` field (§5.1): base64url of nonce ‖ sealed content ‖ tag. */
export const MAX_BOX = 1024;
/** A `box` field (§5.1): base64url, 40 to 1024 characters (at least a nonce, a tag and a byte). */
export const BOX = /^[A-Za-z0-9_-]{40,1024}$/;
/** A membership `mac` field (§6.1): base64url of an HMAC-SHA-256, exactly 43 characters. */
export const MAC = /^[A-Za-z0-9_-]{43}$/;
/** Longest client-chosen message id (§5, §10). */
export const MAX_MESSAGE_ID = 64;
/** Longest `key` field (§5). */
export const MAX_KEY = 256;
/** Longest trickled candidate (§5). */
export const MAX_CANDIDATE = 1024;

/**
 * @param {string} roomId a room id (43 base64url characters).
 * @returns {string} the room's presence topic, `sb/v1/room/<roomId>/presence`.
 * @throws {TypeError} when `roomId` is not a room id (a programmer error: room ids are computed).
 */
export function presenceTopic(roomId) {
  if (!ROOM_ID.test(roomId)) throw new TypeError(`not a room id: ${roomId}`);
  return `${ROOT}/room/${roomId}/presence`;
}

/**
 * @param {string} peerId a peer id.
 * @returns {string} the peer's inbox topic, `sb/v1/inbox/<peerId>`.
 * @throws {TypeError} when `peerId` is not a peer id.
 */
export function inboxTopic(peerId) {
  if (!PEER_ID.test(peerId)) throw new TypeError(`not a peer id: ${peerId}`);
  return `${ROOT}/inbox/${peerId}`;
}

/**
 * The context of a room's sessions (§6); the only place the client spells it.
 * @param {string} roomId
 * @returns {string} `room:<roomId>`.
 * @throws {TypeError} when `roomId` is not a room id.
 */
export function roomContext(roomId) {
  if (!ROOM_ID.test(roomId)) throw new TypeError(`not a room id: ${roomId}`);
  return `room:${roomId}`;
}

/**
 * The context of a call's session (§6).
 * @param {string} callId 1 to 64 base64url characters.
 * @returns {string} `call:<callId>`.
 * @throws {TypeError} when `callId` has another shape.
 */
export function callContext(callId) {
  const context = `call:${callId}`;
  if (!CONTEXT.test(context)) throw new TypeError(`not a call id: ${callId}`);
  return context;
}

// ---------------------------------------------------------------------------------------------
// Signaling messages (§5)

/**
 * @typedef {object} Announcement what a `join` or `hello` tells about its sender.
 * @property {string} key the sender's SPKI, base64url (still to be checked against the sender id).
 * @property {string} nonce the sender's nonce for this presence.
 * @property {string} box the sealed content (display name), still to be opened with the room key (§5.1).
 * @property {string} [room] the room id (hello only).
 * @property {string} [mac] the membership MAC (hello only, still to be checked, §6.1).
 * @property {boolean} offerFirst the sender set `o` (§5, "Rooms, step by step", step 3): in a
 *   join, a member may make the first offer whatever the ids; in a hello, the member makes it.
 */

/**
 * The `o` field's only value (§5): in a `join`, "a member may make the first offer, whatever the
 * ids"; in a `hello`, "I make the first offer now". Any other value is read as absent.
 */
export const OFFER_FIRST = 1;

/**
 * `join` on a room's presence topic: "I am here."
 * @param {{key?:string, nonce:string, box:string, offerFirst?:boolean}} a `box` sealed with the room
 *   key (`roomkey.seal`); `key` (the sender's SPKI, base64url) may be left out by a client of the
 *   node it sends through, which proved that key at CONNECT: the node adds it to the join it
 *   delivers (§5); `offerFirst` adds `"o":1` (a member may make the first offer, §5 step 3).
 * @returns {object} `{v, type:'join', key?, nonce, box, o?}`.
 */
export function join({ key, nonce, box, offerFirst = false }) {
  const m = key ? { v: VERSION, type: 'join', key, nonce, box } : { v: VERSION, type: 'join', nonce, box };
  if (offerFirst) m.o = OFFER_FIRST;
  return m;
}

/** @returns {object} `{v, type:'leave'}` on a room's presence topic. */
export function leave() {
  return { v: VERSION, type: 'leave' };
}

/**
 * `hello` in a newcomer's inbox: an existing member's answer to its `join`.
 * @param {{room:string, key?:string, nonce:string, box:string, mac:string, offerFirst?:boolean}} a
 *   `box` as in `join`, `mac` over the hello statement (`roomkey.helloStatement`); `key` may be left
 *   out as in `join`; `offerFirst` adds `"o":1` (this member makes the first offer, §5 step 3), only
 *   in answer to a join that carried it.
 * @returns {object} `{v, type:'hello', room, key?, nonce, box, mac, o?}`.
 */
export function hello({ room, key, nonce, box, mac, offerFirst = false }) {
  const m = key ? { v: VERSION, type: 'hello', room, key, nonce, box, mac } : { v: VERSION, type: 'hello', room, nonce, box, mac };
  if (offerFirst) m.o = OFFER_FIRST;
  return m;
}

/**
 * Checks a `join` or `hello` (§5): the sender id must be a peer id, the nonce must have its exact
 * shape, the key must be base64url of at most 256 characters, the box must have its shape; a hello
 * must name a room id and carry a mac. Receivers MUST ignore an announcement that fails these
 * checks. What the box says and whether the mac is right are checked with the room's keys
 * (`roomkey.js`).
 * @param {any} m the parsed payload.
 * @param {string} sender the verified sender id (`sb-sender`).
 * @returns {Announcement|null}
 */
export function readAnnouncement(m, sender) {
  if (!isObject(m) || (m.type !== 'join' && m.type !== 'hello')) return null;
  if (!PEER_ID.test(sender) || typeof m.nonce !== 'string' || !NONCE.test(m.nonce)) return null;
  if (typeof m.key !== 'string' || m.key.length > MAX_KEY || !/^[A-Za-z0-9_-]+$/.test(m.key)) return null;
  if (typeof m.box !== 'string' || !BOX.test(m.box)) return null;
  if (m.type === 'hello' && (typeof m.room !== 'string' || !ROOM_ID.test(m.room)
    || typeof m.mac !== 'string' || !MAC.test(m.mac))) return null;
  const a = { key: m.key, nonce: m.nonce, box: m.box, offerFirst: m.o === OFFER_FIRST };
  if (m.type === 'hello') {
    a.room = m.room;
    a.mac = m.mac;
  }
  return a;
}

/**
 * @typedef {object} Description a signed offer or answer.
 * @property {'offer'|'answer'} type
 * @property {string} context
 * @property {string} sdp
 * @property {string} sig raw signature, base64url (§6).
 * @property {string|null} mac membership MAC over the signed statement, base64url (§6.1); required
 *   in a room's context, null when absent.
 * @property {'relay'|'p2p'} mode how the sender wants it carried (§5.2 "Direct (P2P) links"):
 *   `relay` (the default when absent), or `p2p`: forwarded unchanged, which the node allows only in
 *   a call whose called side consented (else it refuses with `p2p-not-agreed`).
 */

/**
 * An `offer` or `answer` (§5), signed as §6 says, with the membership MAC of §6.1 in a room.
 * @param {{type:string, context:string, sdp:string, sig:string, mac?:string|null, mode?:'relay'|'p2p'}} d
 *   `mode` `p2p` only in a call whose `accept` said `"mode":"p2p"` (§5.2); `relay` (default) is
 *   not written.
 * @returns {object} `{v, type, context, sdp, sig, mac?, mode?}`.
 * @throws {TypeError} on a mode other than `relay` or `p2p`.
 */
export function description({ type, context, sdp, sig, mac, mode = 'relay' }) {
  if (!CALL_MODES.includes(mode)) throw new TypeError(`mode must be relay or p2p: ${mode}`);
  const m = { v: VERSION, type, context, sdp, sig };
  if (mac) m.mac = mac;
  if (mode === 'p2p') m.mode = 'p2p';
  return m;
}

/**
 * @param {any} m
 * @returns {Description|null} the offer or answer, or null if a field is missing or malformed.
 */
export function readDescription(m) {
  if (!isObject(m) || (m.type !== 'offer' && m.type !== 'answer')) return null;
  if (typeof m.context !== 'string' || !CONTEXT.test(m.context)) return null;
  if (typeof m.sdp !== 'string' || !m.sdp || typeof m.sig !== 'string' || !m.sig) return null;
  const mac = typeof m.mac === 'string' && MAC.test(m.mac) ? m.mac : null;
  if (m.mode !== undefined && !CALL_MODES.includes(m.mode)) return null;
  return { type: m.type, context: m.context, sdp: m.sdp, sig: m.sig, mac, mode: m.mode === 'p2p' ? 'p2p' : 'relay' };
}

/**
 * A trickled `candidate` (§5). The bundled client sends them only in a direct call both sides
 * agreed to (§5.2): in relayed mode the node drops them (§8).
 * @param {{context:string, candidate:string, sdpMid?:string|null, sdpMLineIndex?:number|null}} c
 *   `candidate` is `RTCIceCandidate.candidate` (at most 1024 characters, `''` for end of
 *   candidates).
 * @returns {object} `{v, type:'candidate', context, candidate, sdpMid?, sdpMLineIndex?}`.
 * @throws {TypeError} on a bad context or an over-long candidate.
 */
export function candidate({ context, candidate: line, sdpMid, sdpMLineIndex }) {
  if (typeof context !== 'string' || !CONTEXT.test(context)) throw new TypeError(`bad context: ${context}`);
  if (typeof line !== 'string' || line.length > MAX_CANDIDATE) throw new TypeError('candidate must be a string of at most 1024 characters');
  const m = { v: VERSION, type: 'candidate', context, candidate: line };
  if (typeof sdpMid === 'string') m.sdpMid = sdpMid;
  if (Number.isInteger(sdpMLineIndex)) m.sdpMLineIndex = sdpMLineIndex;
  return m;
}

/**
 * Reads a trickled `candidate`; see {@link candidate}. Accepted in any context: a session adds
 * what arrives (the node forwards candidates only in a consented direct call).
 * @param {any} m
 * @returns {{context:string, candidate:string, sdpMid:string|null, sdpMLineIndex:number|null}|null}
 */
export function readCandidate(m) {
  if (!isObject(m) || m.type !== 'candidate') return null;
  if (typeof m.context !== 'string' || !CONTEXT.test(m.context)) return null;
  if (typeof m.candidate !== 'string' || m.candidate.length > MAX_CANDIDATE) return null;
  const mid = typeof m.sdpMid === 'string' ? m.sdpMid : null;
  const index = Number.isInteger(m.sdpMLineIndex) && m.sdpMLineIndex >= 0 && m.sdpMLineIndex <= 63
    ? m.sdpMLineIndex : null;
  return { context: m.context, candidate: m.candidate, sdpMid: mid, sdpMLineIndex: index };
}

/**
 * @param {string} context
 * @returns {object} `{v, type:'hangup', context}`: the sender ends the session.
 */
export function hangup(context) {
  return { v: VERSION, type: 'hangup', context };
}

/**
 * @param {any} m
 * @returns {{context:string}|null}
 */
export function readHangup(m) {
  if (!isObject(m) || m.type !== 'hangup' || typeof m.context !== 'string' || !CONTEXT.test(m.context)) return null;
  return { context: m.context };
}

/** Error code a peer sends when the signature on a description did not verify (§7). */
export const BAD_SIGNATURE = 'bad-signature';
/** Error code a peer sends when a description names no usable DTLS certificate (§6, §7). */
export const BAD_DESCRIPTION = 'bad-description';
/** Error code a peer sends when DTLS presented a certificate no signed fingerprint matches (§6.2, §7). */
export const CERTIFICATE_MISMATCH = 'certificate-mismatch';

/**
 * An `error` (§5, §7).
 * @param {{code:string, message?:string, ref?:object}} e
 * @returns {object} `{v, type:'error', code, message?, ref?}`.
 */
export function error({ code, message, ref }) {
  const m = { v: VERSION, type: 'error', code };
  if (message) m.message = message;
  if (ref) m.ref = ref;
  return m;
}

/**
 * The error a peer answers a description with when its signature did not verify.
 * @param {'offer'|'answer'} type the refused description's type.
 * @returns {object}
 */
export function badSignature(type) {
  return error({ code: BAD_SIGNATURE, message: `signature on your ${type} did not verify`, ref: { type } });
}

/**
 * The error a peer answers a description with when it names no usable DTLS certificate.
 * @param {'offer'|'answer'} type the refused description's type.
 * @param {string} why what is wrong with its fingerprint lines.
 * @returns {object}
 */
export function badDescription(type, why) {
  return error({ code: BAD_DESCRIPTION, message: `your ${type} cannot be used: ${why}`.slice(0, 500), ref: { type } });
}

/**
 * @param {any} m
 * @returns {{code:string, message:string}|null} the error (message '' when none), or null.
 */
export function readError(m) {
  if (!isObject(m) || m.type !== 'error' || typeof m.code !== 'string' || !m.code) return null;
  return { code: m.code.slice(0, 64), message: typeof m.message === 'string' ? m.message.slice(0, 500) : '' };
}

// ---------------------------------------------------------------------------------------------
// The call vocabulary (§5.2): call, accept, decline, capabilities-query, capabilities; with
// `hangup` and `error` above, one set of messages for every way of calling.

/** What a page can do in a call (§5.2), as the IRC WebRTC negotiation spells it. */
export const CAPABILITIES = Object.freeze(['VOICE', 'VIDEO', 'FILE']);
/** Why a call was declined (§5.2). */
export const DECLINE_REASONS = Object.freeze(['busy', 'rejected', 'unavailable']);
/** How a call's media flow (§5.2, §8): `relay` (default) or `p2p` (both agreed). */
export const CALL_MODES = Object.freeze(['relay', 'p2p']);
/** A call context (§6): `call:` and 1 to 64 base64url characters. */
export const CALL_CONTEXT = /^call:[A-Za-z0-9_-]{1,64}$/;
/** Longest human-readable `message` of a decline or an error (§5). */
export const MAX_REASON_TEXT = 512;

function checkCaps(caps) {
  const list = caps ?? [];
  if (!Array.isArray(list) || new Set(list).size !== list.length || !list.every((c) => CAPABILITIES.includes(c))) {
    throw new TypeError(`caps must list distinct values of ${CAPABILITIES.join(', ')}: ${JSON.stringify(caps)}`);
  }
  return [...list];
}

function checkCallContext(context) {
  if (typeof context !== 'string' || !CALL_CONTEXT.test(context)) throw new TypeError(`not a call context: ${context}`);
  return context;
}

/** `caps` of a received message: absent is none; anything but distinct known values is null. */
function readCaps(caps) {
  if (caps === undefined || caps === null) return [];
  if (!Array.isArray(caps) || caps.length > CAPABILITIES.length) return null;
  if (!caps.every((c) => CAPABILITIES.includes(c)) || new Set(caps).size !== caps.length) return null;
  return [...caps];
}

/**
 * `call` (§5.2): a call offer to the called side's inbox (or a callee's ring topic, §5.3).
 * @param {{context:string, key:string, nonce:string, caps?:string[], p2p?:boolean, epk?:string, box?:string}} c
 *   `key`/`nonce` of the caller (for the signed descriptions of §6); `p2p` true asks for a direct
 *   link; `epk` and `box` together: the caller's name sealed to the callee's key (§5.1).
 * @returns {object} `{v, type:'call', context, key, nonce, caps, p2p?, epk?, box?}`.
 * @throws {TypeError} on a context that is not a call's, unknown capabilities, or only one of epk/box.
 */
export function call({ context, key, nonce, caps, p2p, epk, box }) {
  const m = { v: VERSION, type: 'call', context: checkCallContext(context), key, nonce, caps: checkCaps(caps) };
  if (p2p) m.p2p = true;
  if (!epk !== !box) throw new TypeError('epk and box come together or not at all');
  if (epk) {
    m.epk = epk;
    m.box = box;
  }
  return m;
}

/**
 * @param {any} m
 * @param {string} sender the verified sender id (`sb-sender`).
 * @returns {{context:string, key:string, nonce:string, caps:string[], p2p:boolean, epk:string|null, box:string|null}|null}
 */
export function readCall(m, sender) {
  if (!isObject(m) || m.type !== 'call' || !PEER_ID.test(sender)) return null;
  if (typeof m.context !== 'string' || !CALL_CONTEXT.test(m.context)) return null;
  if (typeof m.key !== 'string' || m.key.length > MAX_KEY || !/^[A-Za-z0-9_-]+$/.test(m.key)) return null;
  if (typeof m.nonce !== 'string' || !NONCE.test(m.nonce)) return null;
  const caps = readCaps(m.caps);
  if (!caps || (m.p2p !== undefined && typeof m.p2p !== 'boolean')) return null;
  const sealed = typeof m.epk === 'string' && /^[A-Za-z0-9_-]{1,256}$/.test(m.epk)
    && typeof m.box === 'string' && BOX.test(m.box);
  if (!sealed && (m.epk !== undefined || m.box !== undefined)) return null;
  return {
    context: m.context, key: m.key, nonce: m.nonce, caps, p2p: m.p2p === true,
    epk: sealed ? m.epk : null, box: sealed ? m.box : null,
  };
}

/**
 * `accept` (§5.2): the called side takes the call, with its own key and nonce.
 * @param {{context:string, key:string, nonce:string, caps?:string[], mode?:'relay'|'p2p'}} a
 *   `mode` is the called side's final choice; `p2p` only when the call asked for it.
 * @returns {object} `{v, type:'accept', context, key, nonce, caps, mode}`.
 * @throws {TypeError} on a bad context, capability or mode.
 */
export function accept({ context, key, nonce, caps, mode = 'relay' }) {
  if (!CALL_MODES.includes(mode)) throw new TypeError(`mode must be relay or p2p: ${mode}`);
  return { v: VERSION, type: 'accept', context: checkCallContext(context), key, nonce, caps: checkCaps(caps), mode };
}

/**
 * @param {any} m
 * @returns {{context:string, key:string, nonce:string, caps:string[], mode:'relay'|'p2p'}|null}
 */
export function readAccept(m) {
  if (!isObject(m) || m.type !== 'accept') return null;
  if (typeof m.context !== 'string' || !CALL_CONTEXT.test(m.context)) return null;
  if (typeof m.key !== 'string' || m.key.length > MAX_KEY || !/^[A-Za-z0-9_-]+$/.test(m.key)) return null;
  if (typeof m.nonce !== 'string' || !NONCE.test(m.nonce)) return null;
  const caps = readCaps(m.caps);
  const mode = m.mode === undefined ? 'relay' : m.mode;
  if (!caps || !CALL_MODES.includes(mode)) return null;
  return { context: m.context, key: m.key, nonce: m.nonce, caps, mode };
}

/**
 * `decline` (§5.2): the called side does not take the call.
 * @param {{context:string, reason:'busy'|'rejected'|'unavailable', message?:string}} d
 * @returns {object} `{v, type:'decline', context, reason, message?}`.
 * @throws {TypeError} on a bad context or reason.
 */
export function decline({ context, reason, message }) {
  if (!DECLINE_REASONS.includes(reason)) throw new TypeError(`reason must be one of ${DECLINE_REASONS.join(', ')}: ${reason}`);
  const m = { v: VERSION, type: 'decline', context: checkCallContext(context), reason };
  if (message) m.message = String(message).slice(0, MAX_REASON_TEXT);
  return m;
}

/**
 * @param {any} m
 * @returns {{context:string, reason:string, message:string}|null} message '' when none.
 */
export function readDecline(m) {
  if (!isObject(m) || m.type !== 'decline') return null;
  if (typeof m.context !== 'string' || !CALL_CONTEXT.test(m.context) || !DECLINE_REASONS.includes(m.reason)) return null;
  return { context: m.context, reason: m.reason, message: typeof m.message === 'string' ? m.message.slice(0, MAX_REASON_TEXT) : '' };
}

/**
 * `capabilities-query` (§5.2): "what can your page do?".
 * @param {{context?:string, id?:string}} [q] optional context and message id (echoed as `ref`).
 * @returns {object} `{v, type:'capabilities-query', context?, id?}`.
 */
export function capabilitiesQuery({ context, id } = {}) {
  const m = { v: VERSION, type: 'capabilities-query' };
  if (context) {
    if (!CONTEXT.test(context)) throw new TypeError(`not a context: ${context}`);
    m.context = context;
  }
  if (id) m.id = id;
  return m;
}

/**
 * @param {any} m
 * @returns {{context:string|null, id:string|null}|null}
 */
export function readCapabilitiesQuery(m) {
  if (!isObject(m) || m.type !== 'capabilities-query') return null;
  if (m.context !== undefined && (typeof m.context !== 'string' || !CONTEXT.test(m.context))) return null;
  const id = typeof m.id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(m.id) ? m.id : null;
  return { context: m.context ?? null, id };
}

/**
 * `capabilities` (§5.2): the answer to a query.
 * @param {{caps:string[], context?:string, ref?:string}} c `ref` = the query's id.
 * @returns {object} `{v, type:'capabilities', caps, context?, ref?}`.
 */
export function capabilities({ caps, context, ref }) {
  const m = { v: VERSION, type: 'capabilities', caps: checkCaps(caps) };
  if (context) {
    if (!CONTEXT.test(context)) throw new TypeError(`not a context: ${context}`);
    m.context = context;
  }
  if (ref) m.ref = ref;
  return m;
}

/**
 * @param {any} m
 * @returns {{caps:string[], context:string|null, ref:string|null}|null}
 */
export function readCapabilities(m) {
  if (!isObject(m) || m.type !== 'capabilities') return null;
  if (m.context !== undefined && (typeof m.context !== 'string' || !CONTEXT.test(m.context))) return null;
  const caps = readCaps(m.caps);
  if (!caps) return null;
  return { caps, context: m.context ?? null, ref: typeof m.ref === 'string' ? m.ref.slice(0, 64) : null };
}

// ---------------------------------------------------------------------------------------------
// Data channels between two peers (§10)

/**
 * @typedef {object} ChannelSpec
 * @property {string} label the channel's label.
 * @property {number} id the SCTP stream id both sides use (negotiated out of band, RFC 8832 is not used).
 * @property {boolean} ordered
 */

/**
 * The data channels of a session (§10). Both peers create all three themselves, `negotiated`
 * with these fixed stream ids (RFC 8831 §6.5), all ordered and reliable.
 * @type {Readonly<{control: ChannelSpec, chat: ChannelSpec, file: ChannelSpec}>}
 */
export const CHANNELS = Object.freeze({
  control: Object.freeze({ label: 'control', id: 0, ordered: true }),
  chat: Object.freeze({ label: 'chat', id: 1, ordered: true }),
  file: Object.freeze({ label: 'file', id: 2, ordered: true }),
});

/** Longest chat text, in UTF-16 code units. */
export const MAX_CHAT_TEXT = 4000;
/** Longest binary frame on the file channel, in bytes. */
export const MAX_FILE_CHUNK = 16 * 1024;
/** Largest file announced on the file channel, in bytes (1 GiB). */
export const MAX_FILE_SIZE = 1024 * 1024 * 1024;

/** The message types each channel carries (§10). */
const CHANNEL_TYPES = Object.freeze({
  control: ['ping', 'pong', 'bye', 'capabilities'],
  chat: ['chat', 'receipt'],
  file: ['file', 'file-accept', 'file-refuse', 'file-start', 'file-end', 'file-cancel'],
});

const MESSAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * @param {string} id message id, 1 to 64 base64url characters.
 * @param {string} type
 * @returns {object} the envelope every data-channel message starts from.
 */
function envelope(id, type) {
  if (!MESSAGE_ID.test(id)) throw new TypeError(`not a message id: ${id}`);
  return { v: VERSION, type, id };
}

/**
 * @param {string} id
 * @param {string} text 1 to 4000 characters.
 * @returns {object} a `chat` message for the chat channel.
 * @throws {RangeError} when the text is empty or too long.
 */
export function chat(id, text) {
  if (typeof text !== 'string' || !text || text.length > MAX_CHAT_TEXT) {
    throw new RangeError(`chat text must be 1 to ${MAX_CHAT_TEXT} characters`);
  }
  return { ...envelope(id, 'chat'), text };
}

/**
 * A delivery receipt (§10.2): the receiver got the chat line `ref` (sent for every copy it gets,
 * so a sender that resent a line after a drop learns it arrived; the receiver shows it once).
 * @param {string} id this message's id.
 * @param {string} ref the `id` of the `chat` it confirms.
 * @returns {object} a `receipt` for the chat channel.
 */
export function receipt(id, ref) {
  if (!MESSAGE_ID.test(ref)) throw new TypeError(`not a message id: ${ref}`);
  return { ...envelope(id, 'receipt'), ref };
}

/**
 * @param {string} id
 * @returns {object} a `ping` for the control channel; the peer answers with a `pong`.
 */
export function ping(id) {
  return envelope(id, 'ping');
}

/**
 * @param {string} id this message's id.
 * @param {string} ref the id of the ping it answers.
 * @returns {object} a `pong` for the control channel.
 */
export function pong(id, ref) {
  if (!MESSAGE_ID.test(ref)) throw new TypeError(`not a message id: ${ref}`);
  return { ...envelope(id, 'pong'), ref };
}

/**
 * @param {string} id
 * @returns {object} a `bye` for the control channel: the sender is about to close the session.
 */
export function bye(id) {
  return envelope(id, 'bye');
}

/**
 * What this page can do (§5.2 vocabulary), for the peer of a connected room session, end to end on
 * the control channel (§10.2): no bytes through the node, which learns nothing of it either.
 * @param {string} id this message's id.
 * @param {string[]} caps distinct values of `VOICE`, `VIDEO`, `FILE`.
 * @returns {object} a `capabilities` message for the control channel.
 * @throws {TypeError} on unknown or repeated capabilities.
 */
export function channelCapabilities(id, caps) {
  return { ...envelope(id, 'capabilities'), caps: checkCaps(caps) };
}

/**
 * Announces a file on the file channel; binary frames of it follow, then `file-end`.
 * @param {string} id the transfer id, used by the frames' `file-end` and `file-cancel`.
 * @param {{name:string, size:number, mime?:string}} f name 1 to 255 characters; size in bytes.
 * @returns {object}
 */
export function file(id, { name, size, mime }) {
  if (typeof name !== 'string' || !name || name.length > 255) throw new RangeError('file name must be 1 to 255 characters');
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_FILE_SIZE) throw new RangeError(`file size out of range: ${size}`);
  const m = { ...envelope(id, 'file'), name, size };
  if (mime) m.mime = String(mime).slice(0, 128);
  return m;
}

/** A SHA-256 digest as 64 lower-case hex digits. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * @param {string} id the transfer id.
 * @param {string} [sha256] the SHA-256 of the whole content, 64 lower-case hex digits; the
 *   receiver checks it before it offers the file for saving.
 * @returns {object} `file-end`: every frame of the transfer was sent.
 */
export function fileEnd(id, sha256) {
  if (sha256 !== undefined && !SHA256_HEX.test(sha256)) throw new TypeError(`not a SHA-256: ${sha256}`);
  return sha256 === undefined ? envelope(id, 'file-end') : { ...envelope(id, 'file-end'), sha256 };
}

/**
 * @param {string} id the transfer id of a `file` the peer offered.
 * @returns {object} `file-accept`: the receiver wants it; the sender may start it.
 */
export function fileAccept(id) {
  return envelope(id, 'file-accept');
}

/**
 * @param {string} id the transfer id of a `file` the peer offered.
 * @returns {object} `file-refuse`: the receiver does not want it.
 */
export function fileRefuse(id) {
  return envelope(id, 'file-refuse');
}

/**
 * @param {string} id the transfer id of an accepted `file`.
 * @returns {object} `file-start`: the binary frames that follow belong to this transfer.
 */
export function fileStart(id) {
  return envelope(id, 'file-start');
}

/**
 * @param {string} id the transfer id.
 * @returns {object} `file-cancel`: either side abandons the transfer.
 */
export function fileCancel(id) {
  return envelope(id, 'file-cancel');
}

/**
 * @typedef {object} ChannelMessage
 * @property {string} type e.g. `chat`, `ping`, `file`; `file-data` for a binary frame.
 * @property {string} [id]
 * @property {string} [text] chat.
 * @property {string} [ref] pong, receipt.
 * @property {string} [name] file.
 * @property {number} [size] file.
 * @property {string} [mime] file.
 * @property {Uint8Array} [bytes] file-data.
 * @property {string} [sha256] file-end: the content's SHA-256, hex.
 * @property {string[]} [caps] capabilities (control channel): what the peer's page can do.
 */

/**
 * Checks a message received on one of the session's channels (§10). Text frames must be the
 * JSON envelope (`v` 1, a `type` the channel carries, a message id) with that type's fields;
 * binary frames are allowed on the file channel only, at most 16 KiB.
 * @param {string} label the channel's label.
 * @param {string|ArrayBuffer|Uint8Array} data the frame as received.
 * @returns {ChannelMessage|null} null for anything malformed, unknown or on the wrong channel.
 */
export function readChannelMessage(label, data) {
  const types = Object.hasOwn(CHANNEL_TYPES, label) ? CHANNEL_TYPES[label] : null;
  if (!types) return null;
  if (typeof data !== 'string') {
    if (label !== 'file') return null;
    const bytes = data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : null;
    return bytes && bytes.length <= MAX_FILE_CHUNK ? { type: 'file-data', bytes } : null;
  }
  let m;
  try {
    m = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isObject(m) || m.v !== VERSION || !types.includes(m.type) || typeof m.id !== 'string' || !MESSAGE_ID.test(m.id)) {
    return null;
  }
  switch (m.type) {
    case 'chat':
      return typeof m.text === 'string' && m.text && m.text.length <= MAX_CHAT_TEXT
        ? { type: 'chat', id: m.id, text: m.text } : null;
    case 'pong':
    case 'receipt':
      return typeof m.ref === 'string' && MESSAGE_ID.test(m.ref) ? { type: m.type, id: m.id, ref: m.ref } : null;
    case 'file':
      if (typeof m.name !== 'string' || !m.name || m.name.length > 255) return null;
      if (!Number.isSafeInteger(m.size) || m.size < 0 || m.size > MAX_FILE_SIZE) return null;
      return { type: 'file', id: m.id, name: m.name, size: m.size, mime: typeof m.mime === 'string' ? m.mime.slice(0, 128) : '' };
    case 'file-end':
      if (m.sha256 !== undefined && (typeof m.sha256 !== 'string' || !SHA256_HEX.test(m.sha256))) return null;
      return m.sha256 === undefined ? { type: 'file-end', id: m.id } : { type: 'file-end', id: m.id, sha256: m.sha256 };
    case 'capabilities': {
      const caps = readCaps(m.caps);
      return caps ? { type: 'capabilities', id: m.id, caps } : null;
    }
    default:
      return { type: m.type, id: m.id };
  }
}

function isObject(m) {
  return m !== null && typeof m === 'object' && !Array.isArray(m);
}
