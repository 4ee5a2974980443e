/**
 * Byte and text encodings used on the wire (docs/protocol.md, "Encodings").
 * @module encoding
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * @param {string} text
 * @returns {Uint8Array} the UTF-8 bytes of `text`.
 */
export function utf8(text) {
  return encoder.encode(text);
}

/**
 * @param {Uint8Array} bytes
 * @returns {string|null} the text, or null if `bytes` is not valid UTF-8.
 */
export function fromUtf8(bytes) {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Base64url without padding (RFC 4648 §5), as used for ids, keys, nonces and signatures.
 * @param {ArrayBuffer|Uint8Array} data
 * @returns {string}
 */
export function toBase64Url(data) {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * @param {string} text base64url, with or without padding.
 * @returns {Uint8Array|null} the bytes, or null if `text` is not base64url.
 */
export function fromBase64Url(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return null;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  try {
    const binary = atob(b64 + '==='.slice((b64.length + 3) % 4));
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/**
 * @param {...Uint8Array} parts
 * @returns {Uint8Array} the parts joined end to end.
 */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * @param {number} n number of bytes.
 * @returns {string} `n` random bytes from the browser's CSPRNG, base64url.
 */
export function randomNonce(n = 16) {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(n)));
}

/**
 * Parses JSON from text or bytes; bad input becomes null, never an exception.
 * @param {string|Uint8Array} data
 * @returns {any|null}
 */
export function parseJson(data) {
  const text = typeof data === 'string' ? data : fromUtf8(data);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
