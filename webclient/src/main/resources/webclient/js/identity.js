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
import { toBase64Url, fromBase64Url, utf8, concat } from './encoding.js';
import { PEER_ID, NONCE, CONTEXT } from './protocol.js';

const DB_NAME = 'switchboard';
const STORE = 'identity';
const MAX_SLOTS = 32;
/** Pins: name → the peer id this person verified or accepted for it (never set by merely meeting). */
const PINS = 'switchboard.pins.v2';
/** Names met: name → up to 8 peer ids seen under it (unverified), to tell "another <name>" apart. */
const SEEN = 'switchboard.seen.v1';
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
 * What a client signs to log in (docs/protocol.md §3): UTF-8 `switchboard/v1/connect`, a zero
 * byte, the UTF-8 client id, a zero byte, then the broker's challenge exactly as received (32
 * random bytes followed by the UTF-8 node id).
 * @param {string} clientId the client's peer id.
 * @param {Uint8Array} challenge the Authentication Data of the broker's AUTH packet.
 * @returns {Uint8Array} the bytes to sign.
 */
export function connectStatement(clientId, challenge) {
  return concat(utf8('switchboard/v1/connect'), new Uint8Array([0]), utf8(clientId), new Uint8Array([0]), challenge);
}

/**
 * The statement signed over an offer or answer (docs/protocol.md, "End-to-end signature"):
 * UTF-8 of these lines joined by "\n": the domain-separation string
 * `switchboard/v1/session-description`, the context, the SDP type, the sender id, the recipient
 * id, the sender's nonce, the recipient's nonce, then every `a=fingerprint:` value of the SDP in
 * order of appearance, exactly as written (so the signature covers every fingerprint line).
 *
 * Every part is checked first, so that no field can smuggle in extra lines: ids and nonces must
 * have their exact shapes, and the SDP must name one DTLS certificate (see
 * {@link certificateOf}).
 * @param {{context:string, type:string, senderId:string, recipientId:string,
 *          senderNonce:string, recipientNonce:string, sdp:string}} p
 * @returns {Uint8Array|null} the bytes, or null if any part is malformed or the SDP does not name
 *   one DTLS certificate.
 */
export function sessionStatement(p) {
  if (!CONTEXT.test(p.context) || (p.type !== 'offer' && p.type !== 'answer')
    || !PEER_ID.test(p.senderId) || !PEER_ID.test(p.recipientId)
    || !NONCE.test(p.senderNonce) || !NONCE.test(p.recipientNonce)) return null;
  if (certificateOf(p.sdp).error) return null;
  return utf8(['switchboard/v1/session-description', p.context, p.type, p.senderId, p.recipientId,
    p.senderNonce, p.recipientNonce, ...dtlsFingerprints(p.sdp)].join('\n'));
}

/**
 * @param {string} sdp
 * @returns {string[]} the value of every `a=fingerprint:` line, in order, as written (RFC 8122 §5).
 */
export function dtlsFingerprints(sdp) {
  return sdp.split(/\r?\n/).filter((l) => l.startsWith('a=fingerprint:'))
    .map((l) => l.substring('a=fingerprint:'.length));
}

/** RFC 8122 §5: `hash-func SP fingerprint`, fingerprint = 2UHEX *(":" 2UHEX) (lower case seen in the wild). */
const FINGERPRINT_VALUE = /^([A-Za-z0-9-]{1,32}) ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){15,63})$/;

/**
 * @typedef {object} CertificateFingerprint one fingerprint of a certificate, normalised for
 *   comparison: RFC 8122 §5 hash names are case-insensitive, hex digits too.
 * @property {string} algorithm hash function, lower case, e.g. `sha-256`.
 * @property {string} value colon-separated hex pairs, upper case.
 */

/**
 * The DTLS certificate an SDP names, as its fingerprints. RFC 8122 §5 allows several
 * `a=fingerprint` lines for one certificate, one per hash function (sha-256, sha-384, sha-512,
 * in any order, the hash name in any case; a line may repeat in every media section). They are
 * accepted as one certificate when no hash function appears with two different values; two
 * values under one hash function would be two certificates, and one connection has one (§10.1).
 * A line whose attribute name is `fingerprint` in another case (which some parsers would read
 * and the signature would not cover) makes the SDP unusable.
 * @param {string} sdp
 * @returns {{fingerprints: CertificateFingerprint[], error: null}|{fingerprints: null, error: string}}
 *   the distinct fingerprints in order of first appearance, or an error naming the bad line.
 */
export function certificateOf(sdp) {
  const lines = typeof sdp === 'string' ? sdp.split(/\r?\n/) : [];
  const odd = lines.find((l) => /^a=fingerprint:/i.test(l) && !l.startsWith('a=fingerprint:'));
  if (odd) return { fingerprints: null, error: `the attribute name of "${odd.slice(0, 40)}" is not spelled "fingerprint"` };
  const byAlgorithm = new Map();
  for (const raw of dtlsFingerprints(sdp ?? '')) {
    const m = FINGERPRINT_VALUE.exec(raw);
    if (!m) return { fingerprints: null, error: `a=fingerprint "${raw.slice(0, 80)}" is not "<hash> <hex pairs>" (RFC 8122 §5)` };
    const algorithm = m[1].toLowerCase();
    const value = m[2].toUpperCase();
    const seen = byAlgorithm.get(algorithm);
    if (seen !== undefined && seen !== value) {
      return { fingerprints: null, error: `two different ${algorithm} fingerprints: the description names two certificates` };
    }
    byAlgorithm.set(algorithm, value);
  }
  if (byAlgorithm.size === 0) return { fingerprints: null, error: 'no a=fingerprint line: the description names no DTLS certificate' };
  return { fingerprints: [...byAlgorithm].map(([algorithm, value]) => ({ algorithm, value })), error: null };
}

/**
 * Does the certificate DTLS presented match a signed fingerprint? It is compared with the line
 * whose hash function is the one the browser used for it (`RTCCertificateStats.fingerprintAlgorithm`).
 * @param {CertificateFingerprint[]} signed the signed description's fingerprints ({@link certificateOf}).
 * @param {{algorithm:string, value:string}|null} presented as the browser reports it, any case.
 * @returns {boolean}
 */
export function certificateMatches(signed, presented) {
  if (!signed || !presented) return false;
  const algorithm = presented.algorithm.toLowerCase();
  const value = presented.value.toUpperCase();
  return signed.some((f) => f.algorithm === algorithm && f.value === value);
}

/**
 * Do two descriptions name the same certificate? They do when they share a hash function and
 * every hash function they share has the same value in both.
 * @param {CertificateFingerprint[]} a
 * @param {CertificateFingerprint[]} b
 * @returns {boolean}
 */
export function sameCertificate(a, b) {
  let shared = 0;
  for (const f of a) {
    const g = b.find((x) => x.algorithm === f.algorithm);
    if (!g) continue;
    if (g.value !== f.value) return false;
    shared++;
  }
  return shared > 0;
}

/**
 * Says, for a person, why the presented certificate matched no signed line.
 * @param {CertificateFingerprint[]} signed
 * @param {{algorithm:string, value:string}} presented
 * @returns {string} e.g. `DTLS presented sha-256 4A:AD:…; the signed description names sha-384 …`.
 */
export function certificateMismatchDetail(signed, presented) {
  const short = (f) => `${f.algorithm} ${f.value.slice(0, 23)}…`;
  const algorithm = presented.algorithm.toLowerCase();
  const named = signed.map(short).join(', ');
  const sameHash = signed.some((f) => f.algorithm === algorithm);
  return `DTLS presented ${short({ algorithm, value: presented.value.toUpperCase() })}; the signed description names ${named}`
    + (sameHash ? '' : ` (no ${algorithm} line)`);
}

/**
 * The one DTLS certificate fingerprint an SDP names, as one line value (for display and old
 * callers): the first fingerprint of {@link certificateOf}.
 * @param {string} sdp
 * @returns {string|null} e.g. `sha-256 4A:AD:…` (as normalised), or null when {@link certificateOf}
 *   finds an error.
 */
export function signedFingerprint(sdp) {
  const { fingerprints } = certificateOf(sdp);
  return fingerprints ? `${fingerprints[0].algorithm} ${fingerprints[0].value}` : null;
}

/**
 * The pin for a name: the peer id this person verified (compared the safety code) or accepted
 * for it. Names are not unique, so only such a pin makes a different key a warning.
 * @param {string} name the peer's display name.
 * @param {string} id the peer's verified id.
 * @returns {{status:'new'|'known'|'changed', pinnedId?:string}} `new`: no pin for the name;
 *   `known`: pinned to this id; `changed`: pinned to another id.
 */
export function checkPin(name, id) {
  const pins = readPins();
  const pinned = Object.hasOwn(pins, name) ? pins[name] : null;
  if (!pinned) return { status: 'new' };
  return pinned === id ? { status: 'known' } : { status: 'changed', pinnedId: pinned };
}

/**
 * Pins (or re-pins) a name to a peer id: the person verified or accepted this key.
 * @param {string} name
 * @param {string} id
 */
export function pin(name, id) {
  const pins = readPins();
  pins[name] = id;
  localStorage.setItem(PINS, JSON.stringify(pins));
}

/**
 * Remembers that a name was met with an id, and says whether it was met with another id before.
 * @param {string} name
 * @param {string} id
 * @returns {boolean} whether another id was seen under this name before (an "another <name>").
 */
export function meetName(name, id) {
  let seen;
  try {
    seen = JSON.parse(localStorage.getItem(SEEN) || '{}');
  } catch {
    seen = {};
  }
  if (!seen || typeof seen !== 'object' || Array.isArray(seen)) seen = {};
  const ids = Array.isArray(seen[name]) ? seen[name] : [];
  const other = ids.some((x) => x !== id);
  if (!ids.includes(id)) seen[name] = [...ids, id].slice(-8);
  const names = Object.keys(seen);
  if (names.length > 500) delete seen[names[0]];
  localStorage.setItem(SEEN, JSON.stringify(seen));
  return other;
}

/** Domain separation for {@link safetyCode}. */
const SAFETY_CONTEXT = 'switchboard/v1/safety-code';

/**
 * The safety code two people compare (by voice, say) to know that nobody is in the middle: one
 * code from both keys (their peer ids, which hash the keys), the same on both sides.
 * SHA-256 over the UTF-8 of the context, NUL, the smaller id, NUL, the larger id; its first 30
 * bytes, read as ten 24-bit big-endian numbers, each taken mod 100000 as 5 digits.
 * @param {string} idA
 * @param {string} idB
 * @returns {Promise<string>} e.g. `04217 99120 …`, 10 groups of 5 digits separated by spaces.
 */
export async function safetyCode(idA, idB) {
  const [lo, hi] = idA < idB ? [idA, idB] : [idB, idA];
  const bytes = new TextEncoder().encode(`${SAFETY_CONTEXT}\0${lo}\0${hi}`);
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const groups = [];
  for (let i = 0; i < 10; i++) {
    const v = ((h[i * 3] << 16) | (h[i * 3 + 1] << 8) | h[i * 3 + 2]) % 100000;
    groups.push(String(v).padStart(5, '0'));
  }
  return groups.join(' ');
}

function readPins() {
  try {
    const v = JSON.parse(localStorage.getItem(PINS) || '{}');
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}
