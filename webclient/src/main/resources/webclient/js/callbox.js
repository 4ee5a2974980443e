/**
 * The caller's display name sealed to the callee (docs/protocol.md §5.1, "Callee calls"): only
 * the callee's page can read it, the node sees the call id, both ids and the size.
 *
 *   shared = ECDH(ephemeral private, callee ECDH public)            (P-256, 32 bytes)
 *   info   = "switchboard/v1/call-box" "\n" callId "\n" callerId "\n" calleeId
 *   key    = HKDF-SHA-256(shared, salt = none, info, 32)            (RFC 5869)
 *   box    = base64url(nonce ‖ AES-256-GCM(key, nonce, plaintext, aad = info) ‖ tag)
 *   epk    = base64url(SPKI of the ephemeral public key)
 *
 * The plaintext is padded as in §5.1. A fresh ephemeral key pair per call; the callee's ECDH key
 * pair is made with the callee pair (its public half in the caller URL, its private half in the
 * callee URL). Pure WebCrypto; no state.
 * @module callbox
 */
import { utf8, fromUtf8, toBase64Url, fromBase64Url, concat } from './encoding.js';
import { boxPlaintext, GCM_NONCE_BYTES } from './roomkey.js';
import { PEER_ID, cleanName } from './protocol.js';

const ECDH = { name: 'ECDH', namedCurve: 'P-256' };
const CALL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * @param {{callId:string, callerId:string, calleeId:string}} p
 * @returns {Uint8Array} the HKDF info, also the AES-GCM additional data.
 * @throws {TypeError} when a part has the wrong shape (they are computed, never typed).
 */
export function callBoxInfo({ callId, callerId, calleeId }) {
  if (!CALL_ID.test(callId) || !PEER_ID.test(callerId) || !PEER_ID.test(calleeId)) {
    throw new TypeError('call box: malformed call id or peer id');
  }
  return utf8(['switchboard/v1/call-box', callId, callerId, calleeId].join('\n'));
}

async function boxKey(privateKey, publicKey, info) {
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: publicKey }, privateKey, 256);
  const hkdf = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info },
    hkdf, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/**
 * A new ECDH key pair for a callee pair.
 * @returns {Promise<{privatePkcs8:string, publicRaw:string}>} both base64url, for the callee and caller URLs.
 */
export async function newCalleeKey() {
  const pair = await crypto.subtle.generateKey(ECDH, true, ['deriveBits']);
  return {
    privatePkcs8: toBase64Url(new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey))),
    publicRaw: toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))),
  };
}

/**
 * @param {string} privatePkcs8 base64url PKCS#8 of the callee's ECDH private key (from its URL).
 * @returns {Promise<CryptoKey|null>} a non-extractable key, or null when malformed.
 */
export async function importCalleePrivate(privatePkcs8) {
  const bytes = fromBase64Url(privatePkcs8 || '');
  if (!bytes) return null;
  try {
    return await crypto.subtle.importKey('pkcs8', bytes, ECDH, false, ['deriveBits']);
  } catch {
    return null;
  }
}

/**
 * Seals the caller's name for the callee.
 * @param {object} p
 * @param {string} p.calleePublicRaw base64url of the callee's uncompressed ECDH public point (from the caller URL).
 * @param {string} p.callId @param {string} p.callerId @param {string} p.calleeId
 * @param {string} p.name the caller's name (cleaned here).
 * @param {CryptoKeyPair} [p.ephemeral] only the vectors give one; fresh otherwise.
 * @param {Uint8Array} [p.nonce] only the vectors give one; fresh otherwise.
 * @returns {Promise<{epk:string, box:string}>} the `epk` and `box` fields of the `call`.
 */
export async function sealName({ calleePublicRaw, callId, callerId, calleeId, name, ephemeral, nonce }) {
  const info = callBoxInfo({ callId, callerId, calleeId });
  const calleePublic = await crypto.subtle.importKey('raw', fromBase64Url(calleePublicRaw), ECDH, false, []);
  const eph = ephemeral || await crypto.subtle.generateKey(ECDH, true, ['deriveBits']);
  const key = await boxKey(eph.privateKey, calleePublic, info);
  const iv = nonce || crypto.getRandomValues(new Uint8Array(GCM_NONCE_BYTES));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: info, tagLength: 128 },
    key, boxPlaintext({ name: cleanName(name) }));
  return {
    epk: toBase64Url(new Uint8Array(await crypto.subtle.exportKey('spki', eph.publicKey))),
    box: toBase64Url(concat(iv, new Uint8Array(sealed))),
  };
}

/**
 * Opens a caller's sealed name.
 * @param {object} p
 * @param {CryptoKey} p.calleePrivate from {@link importCalleePrivate}.
 * @param {string} p.callId @param {string} p.callerId the verified sender @param {string} p.calleeId
 * @param {string} p.epk @param {string} p.box as received.
 * @returns {Promise<string|null>} the cleaned name ('' when none), or null when it does not open.
 */
export async function openName({ calleePrivate, callId, callerId, calleeId, epk, box }) {
  try {
    const info = callBoxInfo({ callId, callerId, calleeId });
    const ephPublic = await crypto.subtle.importKey('spki', fromBase64Url(epk), ECDH, false, []);
    const key = await boxKey(calleePrivate, ephPublic, info);
    const bytes = fromBase64Url(box);
    if (!bytes || bytes.length < GCM_NONCE_BYTES + 16) return null;
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.subarray(0, GCM_NONCE_BYTES), additionalData: info, tagLength: 128 },
      key, bytes.subarray(GCM_NONCE_BYTES));
    const content = JSON.parse(fromUtf8(new Uint8Array(plain)));
    return content && typeof content === 'object' ? cleanName(content.name ?? '') : null;
  } catch {
    return null;
  }
}
