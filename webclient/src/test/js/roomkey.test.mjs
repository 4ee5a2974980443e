// The documented example values of docs/protocol.md §1.1, §5.1 and §6.1 (docs/vectors/privacy.json,
// computed independently with Python), checked against the web client's WebCrypto code. The Java
// side checks the same file with JDK crypto (PrivacyVectorsTest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const here = path.dirname(fileURLToPath(import.meta.url));
const vectors = JSON.parse(readFileSync(path.resolve(here, '../../../../docs/vectors/privacy.json'), 'utf8'));
const roomkey = await import(js('roomkey.js'));
const { toBase64Url, fromBase64Url, utf8 } = await import(js('encoding.js'));
const { sessionStatement } = await import(js('identity.js'));

const hex = (b) => Buffer.from(b).toString('hex');
const fromHex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const derived = new Map();
async function bytesOf(word) {
  if (!derived.has(word)) derived.set(word, await roomkey.deriveRoomBytes(word, vectors.kdf.iterations));
  return derived.get(word);
}
async function keysOf(word) {
  const b = await bytesOf(word);
  return roomkey.keysFromBytes({ roomId: b.roomId, roomKey: b.roomKey.slice(), membershipKey: b.membershipKey.slice() });
}

test('the document, the vectors and the code name the same KDF parameters', () => {
  assert.equal(vectors.kdf.iterations, roomkey.ITERATIONS);
  assert.equal(vectors.kdf.salt, roomkey.KDF_SALT);
  assert.deepEqual(vectors.kdf.info, { ...roomkey.INFO });
  const doc = readFileSync(path.resolve(here, '../../../../docs/protocol.md'), 'utf8');
  assert.ok(doc.includes(`${roomkey.ITERATIONS.toLocaleString('en-US')} iterations`), 'protocol.md states the iteration count');
});

test('deriveRoomBytes: PBKDF2-SHA-256 then HKDF gives the documented master, room id and keys', async () => {
  for (const v of vectors.kdf.words) {
    const started = performance.now();
    const b = await bytesOf(v.word);
    console.log(`derivation of "${v.word}" (${vectors.kdf.iterations} iterations) took ${(performance.now() - started).toFixed(0)} ms in Node ${process.version}`);
    assert.equal(hex(b.master), v.master);
    assert.equal(toBase64Url(b.roomId), v.roomId);
    assert.equal(hex(b.roomKey), v.roomKey);
    assert.equal(hex(b.membershipKey), v.membershipKey);
    if (v.wordTyped) {
      assert.notEqual(v.wordTyped, v.word);
      assert.equal(toBase64Url((await roomkey.deriveRoomBytes(v.wordTyped, vectors.kdf.iterations)).roomId), v.roomId,
        'the word is normalized to NFC before it is used');
    }
  }
});

test('seal with the documented nonce gives the documented box; open gives the name back', async () => {
  const v = vectors.box;
  const keys = await keysOf(v.word);
  assert.equal(keys.roomId, v.roomId);
  assert.equal(new TextDecoder().decode(roomkey.boxAad(v.roomId, v.senderId)), v.aad);
  assert.equal(hex(roomkey.boxPlaintext(v.content)), v.plaintext);
  assert.equal(await roomkey.seal(keys, v.senderId, v.content, fromHex(v.nonce)), v.box);
  assert.deepEqual(await roomkey.open(keys, v.senderId, v.box), { name: 'Ann' });
});

test('a box does not open under another sender, in another room, tampered, or malformed', async () => {
  const v = vectors.box;
  const keys = await keysOf(v.word);
  const other = await keysOf(vectors.kdf.words[1].word);
  assert.equal(await roomkey.open(keys, 'bX2JqRk7QbYH3Wc1TnLq0o8xZkV2cNwE5sPa9fDgUhI', v.box), null);
  assert.equal(await roomkey.open(other, v.senderId, v.box), null);
  const bytes = fromBase64Url(v.box);
  bytes[20] ^= 1;
  assert.equal(await roomkey.open(keys, v.senderId, toBase64Url(bytes)), null);
  for (const bad of [undefined, 42, '', 'not base64!', 'AAAA', 'A'.repeat(2000)]) {
    assert.equal(await roomkey.open(keys, v.senderId, bad), null);
  }
});

test('seal: a fresh nonce each time, padded to 128 bytes, too much content refused', async () => {
  const keys = await keysOf(vectors.box.word);
  const a = await roomkey.seal(keys, vectors.box.senderId, { name: 'Ann' });
  const b = await roomkey.seal(keys, vectors.box.senderId, { name: 'Ann' });
  assert.notEqual(a, b);
  assert.notEqual(a.slice(0, 16), b.slice(0, 16));
  const short = await roomkey.seal(keys, vectors.box.senderId, { name: 'A' });
  const long = await roomkey.seal(keys, vectors.box.senderId, { name: 'A much longer name, still under a hundred bytes' });
  assert.equal(short.length, long.length, 'name lengths under the pad size do not show');
  assert.equal(fromBase64Url(a).length, 12 + 128 + 16);
  assert.throws(() => roomkey.boxPlaintext({ name: '😀'.repeat(200) }), RangeError);
});

test('membership MACs: the documented hello and offer statements and their MACs', async () => {
  const keys = await keysOf(vectors.mac.word);
  const [hello, offer] = vectors.mac.statements;
  const [, roomId, senderId, recipientId, senderNonce, recipientNonce] = hello.statement.split('\n');
  const statement = roomkey.helloStatement({ roomId, senderId, recipientId, senderNonce, recipientNonce });
  assert.equal(new TextDecoder().decode(statement), hello.statement);
  assert.equal(await roomkey.membershipMac(keys, statement), hello.mac);
  assert.equal(await roomkey.checkMembership(keys, statement, hello.mac), true);

  const lines = offer.statement.split('\n');
  const sdp = `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:${lines[7]}\r\n`;
  const offerStatement = sessionStatement({
    context: lines[1], type: lines[2], senderId: lines[3], recipientId: lines[4], senderNonce: lines[5], recipientNonce: lines[6], sdp,
  });
  assert.equal(new TextDecoder().decode(offerStatement), offer.statement);
  assert.equal(await roomkey.membershipMac(keys, offerStatement), offer.mac);
});

test('checkMembership: a wrong key, statement or malformed mac is false, never an exception', async () => {
  const keys = await keysOf(vectors.mac.word);
  const other = await keysOf(vectors.kdf.words[1].word);
  const { statement, mac } = vectors.mac.statements[0];
  assert.equal(await roomkey.checkMembership(other, utf8(statement), mac), false);
  assert.equal(await roomkey.checkMembership(keys, utf8(statement + 'x'), mac), false);
  for (const bad of [undefined, 7, '', 'x'.repeat(43), mac.slice(1), `${mac}A`]) {
    assert.equal(await roomkey.checkMembership(keys, utf8(statement), bad), false);
  }
  assert.equal(await roomkey.checkMembership(keys, null, mac), false);
  assert.equal(roomkey.helloStatement({ roomId: 'short', senderId: 'x', recipientId: 'y', senderNonce: 'a', recipientNonce: 'b' }), null);
});

test('deriveRoom: keys are not extractable and the time is reported', async () => {
  const keys = await roomkey.deriveRoom('blue tulip 42', 1000);
  assert.equal(keys.roomKey.extractable, false);
  assert.equal(keys.membershipKey.extractable, false);
  assert.ok(keys.millis >= 0);
  assert.match(keys.roomId, /^[A-Za-z0-9_-]{43}$/);
});
