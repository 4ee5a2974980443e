/**
 * What the secret word gives the people who know it (docs/protocol.md §1.1, §5.1, §6.1): one
 * costly derivation of the word (PBKDF2-SHA-256, salted and domain-separated) split with HKDF into
 * the room id (the only thing the node sees), the room key (AES-256-GCM, seals names in `join` and
 * `hello`) and the membership key (HMAC-SHA-256, proves in `hello`, `offer` and `answer` that the
 * sender knows the word).
 *
 * Everything here is WebCrypto (`crypto.subtle`), so it runs the same in browsers and in Node.
 * The keys the page keeps are non-extractable `CryptoKey`s; the word is not kept.
 *
 * Functions that check what a peer sent return null or false on anything malformed; they never
 * throw on untrusted input.
 * @module roomkey
 */
import { toBase64Url, fromBase64Url, utf8, fromUtf8, concat } from './encoding.js';
import { PEER_ID, NONCE, ROOM_ID } from './protocol.js';

/**
 * PBKDF2 iterations of one derivation: about 100-300 ms on a mid-range phone (docs/protocol.md
 * §1.1 gives the reasoning and the cost of guessing a word).
 */
export const ITERATIONS = 200000;
/** PBKDF2 salt: fixed for the protocol version, so everyone who types a word meets. */
export const KDF_SALT = 'switchboard/v1/room-kdf';
/** HKDF info strings, one per derived value (RFC 5869 §3.2: independent outputs). */
export const INFO = Object.freeze({
  roomId: 'switchboard/v1/room-id',
  roomKey: 'switchboard/v1/room-key',
  membershipKey: 'switchboard/v1/membership-key',
});
/** Sealed plaintexts are padded with spaces to a multiple of this many bytes (hides name lengths). */
export const PAD_BYTES = 128;
/** Longest sealed plaintext, in bytes (before sealing). */
export const MAX_SEALED_PLAINTEXT = 512;
/** AES-GCM nonce length, in bytes (96 bits, NIST SP 800-38D §8.2). */
export const GCM_NONCE_BYTES = 12;
/** Longest `box` field accepted, in base64url characters (the node checks the same bound). */
export const MAX_BOX = 1024;

/**
 * @typedef {object} RoomKeys what a word gives its room's members.
 * @property {string} roomId 43 base64url characters; the only value the node learns.
 * @property {CryptoKey} roomKey AES-GCM, 256 bits, non-extractable; seals presence payloads.
 * @property {CryptoKey} membershipKey HMAC-SHA-256, non-extractable; MACs over statements.
 * @property {number} millis how long the derivation took, in milliseconds.
 */

/**
 * The word as it is fed to PBKDF2: Unicode NFC (so that "é" typed as one or two code points meets),
 * then UTF-8. The caller trims it; case matters.
 * @param {string} word
 * @returns {Uint8Array}
 */
export function wordBytes(word) {
  return utf8(word.normalize('NFC'));
}

/**
 * The raw bytes of a derivation, for the documented example values (docs/vectors/privacy.json)
 * and tests; pages use {@link deriveRoom}, which keeps only non-extractable keys.
 * @param {string} word
 * @param {number} [iterations] default {@link ITERATIONS}.
 * @returns {Promise<{master: Uint8Array, roomId: Uint8Array, roomKey: Uint8Array, membershipKey: Uint8Array}>}
 *   32 bytes each.
 */
export async function deriveRoomBytes(word, iterations = ITERATIONS) {
  const password = await crypto.subtle.importKey('raw', wordBytes(word), 'PBKDF2', false, ['deriveBits']);
  const master = new Uint8Array(await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: utf8(KDF_SALT), iterations }, password, 256));
  const ikm = await crypto.subtle.importKey('raw', master, 'HKDF', false, ['deriveBits']);
  // RFC 5869 §2.2: no salt, i.e. HashLen zero bytes.
  const expand = async (info) => new Uint8Array(await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(info) }, ikm, 256));
  return {
    master,
    roomId: await expand(INFO.roomId),
    roomKey: await expand(INFO.roomKey),
    membershipKey: await expand(INFO.membershipKey),
  };
}

/**
 * Derives a room's id and keys from its word. Costly on purpose (about 100-300 ms on a phone):
 * the page shows that it is working meanwhile.
 * @param {string} word the secret word, trimmed; case matters.
 * @param {number} [iterations] default {@link ITERATIONS}; only tests pass another value.
 * @returns {Promise<RoomKeys>}
 */
export async function deriveRoom(word, iterations = ITERATIONS) {
  const started = performance.now();
  const bytes = await deriveRoomBytes(word, iterations);
  return keysFromBytes(bytes, performance.now() - started);
}

/**
 * @param {{roomId: Uint8Array, roomKey: Uint8Array, membershipKey: Uint8Array}} bytes
 * @param {number} [millis]
 * @returns {Promise<RoomKeys>} the same values as non-extractable keys.
 */
export async function keysFromBytes(bytes, millis = 0) {
  const roomKey = await crypto.subtle.importKey('raw', bytes.roomKey, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const membershipKey = await crypto.subtle.importKey('raw', bytes.membershipKey,
    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  bytes.roomKey.fill(0);
  bytes.membershipKey.fill(0);
  return { roomId: toBase64Url(bytes.roomId), roomKey, membershipKey, millis };
}

/**
 * The additional data a presence box is bound to (§5.1): a box opens only in its room and only
 * under the sender id it was made for, so the node cannot hand one member's name to another id.
 * @param {string} roomId
 * @param {string} senderId
 * @returns {Uint8Array} UTF-8 of `switchboard/v1/presence-box`, the room id and the sender id, joined by "\n".
 */
export function boxAad(roomId, senderId) {
  return utf8(['switchboard/v1/presence-box', roomId, senderId].join('\n'));
}

/**
 * The plaintext of a box: the JSON object, UTF-8, padded with spaces to a multiple of 128 bytes.
 * @param {object} content e.g. `{name: 'Ann'}`.
 * @returns {Uint8Array}
 * @throws {RangeError} when the JSON is over 512 bytes.
 */
export function boxPlaintext(content) {
  const json = utf8(JSON.stringify(content));
  const length = Math.max(PAD_BYTES, Math.ceil(json.length / PAD_BYTES) * PAD_BYTES);
  if (length > MAX_SEALED_PLAINTEXT) throw new RangeError(`sealed content is over ${MAX_SEALED_PLAINTEXT} bytes`);
  const out = new Uint8Array(length).fill(0x20);
  out.set(json);
  return out;
}

/**
 * Seals what a presence message says about its sender (its display name) for the room's members.
 * @param {RoomKeys} keys
 * @param {string} senderId this member's peer id.
 * @param {object} content e.g. `{name: 'Ann'}`.
 * @param {Uint8Array} [nonce] 12 bytes; fresh random bytes unless given (only the vectors give one).
 * @returns {Promise<string>} the `box` field: base64url(nonce ‖ ciphertext ‖ 16-byte tag).
 */
export async function seal(keys, senderId, content, nonce = crypto.getRandomValues(new Uint8Array(GCM_NONCE_BYTES))) {
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: boxAad(keys.roomId, senderId), tagLength: 128 },
    keys.roomKey, boxPlaintext(content));
  return toBase64Url(concat(nonce, new Uint8Array(ciphertext)));
}

/**
 * Opens a peer's box.
 * @param {RoomKeys} keys
 * @param {string} senderId the verified sender (`sb-sender`).
 * @param {any} box the `box` field as received.
 * @returns {Promise<{name: string}|null>} the content (name trimmed, at most 64 characters, '' when
 *   none), or null when the box does not open: the sender does not know the word, or the box was
 *   made for another room or sender, or it is malformed.
 */
export async function open(keys, senderId, box) {
  if (typeof box !== 'string' || box.length > MAX_BOX) return null;
  const bytes = fromBase64Url(box);
  if (!bytes || bytes.length < GCM_NONCE_BYTES + 16) return null;
  let plaintext;
  try {
    plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.subarray(0, GCM_NONCE_BYTES), additionalData: boxAad(keys.roomId, senderId), tagLength: 128 },
      keys.roomKey, bytes.subarray(GCM_NONCE_BYTES));
  } catch {
    return null;
  }
  const text = fromUtf8(new Uint8Array(plaintext));
  let content = null;
  try {
    content = text === null ? null : JSON.parse(text);
  } catch {
    return null;
  }
  if (content === null || typeof content !== 'object' || Array.isArray(content)) return null;
  return { name: typeof content.name === 'string' ? content.name.trim().slice(0, 64) : '' };
}

/**
 * The statement a `hello` MACs (§6.1): UTF-8 of these lines joined by "\n":
 * `switchboard/v1/hello`, the room id, the sender id, the recipient id, the sender's nonce, the
 * recipient's nonce (from the `join` it answers, so an old hello cannot be replayed).
 * @param {{roomId:string, senderId:string, recipientId:string, senderNonce:string, recipientNonce:string}} p
 * @returns {Uint8Array|null} null when a part has the wrong shape.
 */
export function helloStatement(p) {
  if (!ROOM_ID.test(p.roomId) || !PEER_ID.test(p.senderId) || !PEER_ID.test(p.recipientId)
    || !NONCE.test(p.senderNonce) || !NONCE.test(p.recipientNonce)) return null;
  return utf8(['switchboard/v1/hello', p.roomId, p.senderId, p.recipientId, p.senderNonce, p.recipientNonce].join('\n'));
}

/**
 * @param {RoomKeys} keys
 * @param {Uint8Array} statement a hello statement or a session-description statement (§6).
 * @returns {Promise<string>} the `mac` field: base64url(HMAC-SHA-256(membership key, statement)), 43 characters.
 */
export async function membershipMac(keys, statement) {
  return toBase64Url(await crypto.subtle.sign('HMAC', keys.membershipKey, statement));
}

/**
 * @param {RoomKeys} keys
 * @param {Uint8Array|null} statement
 * @param {any} mac the `mac` field as received.
 * @returns {Promise<boolean>} whether the sender knows the word; never throws.
 */
export async function checkMembership(keys, statement, mac) {
  if (!statement || typeof mac !== 'string' || mac.length !== 43) return false;
  const bytes = fromBase64Url(mac);
  if (!bytes || bytes.length !== 32) return false;
  try {
    return await crypto.subtle.verify('HMAC', keys.membershipKey, bytes, statement);
  } catch {
    return false;
  }
}
