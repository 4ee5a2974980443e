/**
 * The browser's identity: an ECDSA P-256 key pair made with WebCrypto, the private key
 * non-extractable and kept in IndexedDB, and the peer id derived from the public key
 * (base64url of SHA-256 over the SPKI bytes; docs/protocol.md, "Identity").
 *
 * Each open tab holds its own identity: tabs claim numbered identity slots with the Web Locks
 * API, so two tabs of one browser are two different people (as when someone tries Switchboard
 * with two tabs), while reloading a tab gets the same identity back.
 *
 * Also trust on first use: the first key seen for a peer name is pinned in localStorage, and
 * a later different key for that name is reported so the UI can warn before connecting.
 * @module identity
 */
import { toBase64Url, fromBase64Url, utf8 } from './encoding.js';
import { PEER_ID, NONCE, CONTEXT } from './protocol.js';

const DB_NAME = 'switchboard';
const STORE = 'identity';
const MAX_SLOTS = 32;
const PINS = 'switchboard.pins.v1';
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN = { name: 'ECDSA', hash: 'SHA-256' };

/**
 * @typedef {object} Identity
 * @property {CryptoKey} privateKey non-extractable signing key.
 * @property {Uint8Array} spki the public key as SubjectPublicKeyInfo DER bytes.
 * @property {string} id the peer id: base64url(SHA-256(spki)), 43 characters.
 * @property {string} fingerprint short human-readable form of the id, see {@link shortFingerprint}.
 * @property {number} slot the identity slot this tab holds (0 for the first tab).
 */

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore(mode, fn) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/**
 * @param {Uint8Array} spki
 * @returns {Promise<string>} the peer id of a public key.
 */
export async function peerIdOf(spki) {
  return toBase64Url(await crypto.subtle.digest('SHA-256', spki));
}

/**
 * A short fingerprint for people to compare: the first 8 bytes of the id's hash as four
 * groups of four hex digits, e.g. `3f2a 91c0 7b44 e1d9`.
 * @param {string} id a peer id.
 * @returns {string}
 */
export function shortFingerprint(id) {
  const bytes = fromBase64Url(id) || new Uint8Array(0);
  const hex = Array.from(bytes.slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  return hex.match(/.{1,4}/g)?.join(' ') || '';
}

async function complete(privateKey, spki, slot) {
  const id = await peerIdOf(spki);
  return { privateKey, spki, id, fingerprint: shortFingerprint(id), slot };
}

/**
 * Claims the lowest identity slot no other open tab holds, and keeps it until this page goes
 * away. Without the Web Locks API every tab uses slot 0.
 * @returns {Promise<number>}
 */
async function claimSlot() {
  if (!navigator.locks) return 0;
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    const claimed = await new Promise((resolve) => {
      navigator.locks.request(`switchboard-identity-${slot}`, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        // Holding the returned promise holds the lock: until the tab closes or reloads.
        return lock ? new Promise(() => {}) : undefined;
      });
    });
    if (claimed) return slot;
  }
  throw new Error(`more than ${MAX_SLOTS} tabs are open`);
}

let claimedSlot = null;

/**
 * Loads this tab's identity from IndexedDB, creating one on first use.
 * @returns {Promise<Identity>}
 */
export async function loadIdentity() {
  if (claimedSlot === null) claimedSlot = await claimSlot();
  const stored = await withStore('readonly', (s) => s.get(`slot-${claimedSlot}`));
  if (stored && stored.privateKey && stored.spki) {
    return complete(stored.privateKey, new Uint8Array(stored.spki), claimedSlot);
  }
  return newIdentity();
}

/**
 * Makes a new key pair, replacing this tab's stored identity. Peers that pinned the old key will
 * see a key-change warning.
 * @returns {Promise<Identity>}
 */
export async function newIdentity() {
  if (claimedSlot === null) claimedSlot = await claimSlot();
  const pair = await crypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify']);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  await withStore('readwrite', (s) => s.put({ privateKey: pair.privateKey, spki: spki.buffer }, `slot-${claimedSlot}`));
  return complete(pair.privateKey, spki, claimedSlot);
}

/**
 * Signs bytes with the identity's private key.
 * @param {Identity} identity
 * @param {Uint8Array} data
 * @returns {Promise<Uint8Array>} the ECDSA signature as raw r‖s (64 bytes), WebCrypto's format.
 */
export async function sign(identity, data) {
  return new Uint8Array(await crypto.subtle.sign(SIGN, identity.privateKey, data));
}

/**
 * Imports a peer's public key after checking that it hashes to the claimed peer id.
 * @param {string} spkiBase64Url the key as sent in join/hello.
 * @param {string} claimedId the verified sender id stamped by the broker.
 * @returns {Promise<CryptoKey|null>} the key, or null if it is malformed or does not match the id.
 */
export async function importPeerKey(spkiBase64Url, claimedId) {
  const spki = fromBase64Url(spkiBase64Url);
  if (!spki || spki.length > 200) return null;
  if ((await peerIdOf(spki)) !== claimedId) return null;
  try {
    return await crypto.subtle.importKey('spki', spki, ALGORITHM, false, ['verify']);
  } catch {
    return null;
  }
}

/**
 * @param {CryptoKey} publicKey
 * @param {Uint8Array} signature raw r‖s.
 * @param {Uint8Array} data
 * @returns {Promise<boolean>} whether the signature is valid; never throws.
 */
export async function verify(publicKey, signature, data) {
  try {
    return await crypto.subtle.verify(SIGN, publicKey, signature, data);
  } catch {
    return false;
  }
}

/**
 * The statement signed over an offer or answer (docs/protocol.md, "End-to-end signature"):
 * UTF-8 of these lines joined by "\n": the domain-separation string
 * `switchboard/v1/session-description`, the context, the SDP type, the sender id, the recipient
 * id, the sender's nonce, the recipient's nonce, then every `a=fingerprint:` value of the SDP in
 * order of appearance.
 *
 * Every part is checked first, so that no field can smuggle in extra lines: ids and nonces must
 * have their exact shapes, and the SDP must name exactly one DTLS certificate (RFC 8122 §5: one
 * or more `a=fingerprint` lines, all with the same value, and no line that spells the attribute
 * name differently).
 * @param {{context:string, type:string, senderId:string, recipientId:string,
 *          senderNonce:string, recipientNonce:string, sdp:string}} p
 * @returns {Uint8Array|null} the bytes, or null if any part is malformed or the SDP does not name
 *   exactly one DTLS fingerprint.
 */
export function sessionStatement(p) {
  if (!CONTEXT.test(p.context) || (p.type !== 'offer' && p.type !== 'answer')
    || !PEER_ID.test(p.senderId) || !PEER_ID.test(p.recipientId)
    || !NONCE.test(p.senderNonce) || !NONCE.test(p.recipientNonce)) return null;
  const fingerprint = signedFingerprint(p.sdp);
  if (!fingerprint) return null;
  return utf8(['switchboard/v1/session-description', p.context, p.type, p.senderId, p.recipientId,
    p.senderNonce, p.recipientNonce, ...dtlsFingerprints(p.sdp)].join('\n'));
}

/**
 * @param {string} sdp
 * @returns {string[]} the value of every `a=fingerprint:` line, in order (RFC 8122 §5).
 */
export function dtlsFingerprints(sdp) {
  return sdp.split(/\r?\n/).filter((l) => l.startsWith('a=fingerprint:'))
    .map((l) => l.substring('a=fingerprint:'.length));
}

/**
 * The one DTLS certificate fingerprint an SDP names.
 * @param {string} sdp
 * @returns {string|null} e.g. `sha-256 4A:AD:…`, or null if there is none, several different
 *   ones, or a fingerprint attribute spelled in another case (which some parsers would read).
 */
export function signedFingerprint(sdp) {
  const lines = sdp.split(/\r?\n/);
  if (lines.some((l) => /^a=fingerprint:/i.test(l) && !l.startsWith('a=fingerprint:'))) return null;
  const values = new Set(dtlsFingerprints(sdp));
  if (values.size !== 1) return null;
  const [value] = values;
  return /^[A-Za-z0-9-]{1,32} [0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){15,63}$/.test(value) ? value : null;
}

/**
 * Trust on first use, by name.
 * @param {string} name the peer's display name.
 * @param {string} id the peer's verified id.
 * @returns {{status:'new'|'known'|'changed', pinnedId?:string}}
 */
export function checkPin(name, id) {
  const pins = readPins();
  const pinned = pins[name];
  if (!pinned) return { status: 'new' };
  return pinned === id ? { status: 'known' } : { status: 'changed', pinnedId: pinned };
}

/**
 * Pins (or re-pins) a name to a peer id.
 * @param {string} name
 * @param {string} id
 */
export function pin(name, id) {
  const pins = readPins();
  pins[name] = id;
  localStorage.setItem(PINS, JSON.stringify(pins));
}

function readPins() {
  try {
    const v = JSON.parse(localStorage.getItem(PINS) || '{}');
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}
