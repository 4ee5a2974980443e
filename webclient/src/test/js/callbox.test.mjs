// The documented example of docs/protocol.md §5.1 "Callee calls" (docs/vectors/callbox.json),
// checked with WebCrypto: sealing with the documented keys and nonce gives the documented box, and
// the callee's key opens it; nothing else does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const cb = await import(js('callbox.js'));
const enc = await import(js('encoding.js'));
const v = JSON.parse(readFileSync(new URL('../../../../docs/vectors/callbox.json', import.meta.url), 'utf8'));
const ECDH = { name: 'ECDH', namedCurve: 'P-256' };

async function ephemeral() {
  const privateKey = await crypto.subtle.importKey('pkcs8', enc.fromBase64Url(v.ephemeralPrivatePkcs8), ECDH, true, ['deriveBits']);
  const publicKey = await crypto.subtle.importKey('spki', enc.fromBase64Url(v.epk), ECDH, true, []);
  return { privateKey, publicKey };
}

const hex = (h) => Uint8Array.from(h.match(/../g).map((b) => parseInt(b, 16)));

test('sealName with the documented ephemeral key and nonce gives the documented epk and box', async () => {
  const sealed = await cb.sealName({
    calleePublicRaw: v.calleePublicRaw, callId: v.callId, callerId: v.callerId, calleeId: v.calleeId,
    name: v.content.name, ephemeral: await ephemeral(), nonce: hex(v.nonce),
  });
  assert.equal(sealed.epk, v.epk);
  assert.equal(sealed.box, v.box);
});

test('openName: the callee key opens the documented box; other ids, keys or a changed box do not', async () => {
  const calleePrivate = await cb.importCalleePrivate(v.calleePrivatePkcs8);
  const p = { calleePrivate, callId: v.callId, callerId: v.callerId, calleeId: v.calleeId, epk: v.epk, box: v.box };
  assert.equal(await cb.openName(p), 'Ann');
  assert.equal(await cb.openName({ ...p, callerId: v.calleeId }), null, 'another caller id');
  assert.equal(await cb.openName({ ...p, callId: 'other' }), null, 'another call');
  const other = await cb.importCalleePrivate((await cb.newCalleeKey()).privatePkcs8);
  assert.equal(await cb.openName({ ...p, calleePrivate: other }), null, 'another callee key');
  const tampered = v.box.slice(0, 30) + (v.box[30] === 'A' ? 'B' : 'A') + v.box.slice(31);
  assert.equal(await cb.openName({ ...p, box: tampered }), null, 'tampered');
  assert.equal(await cb.importCalleePrivate('not a key'), null);
});

test('a fresh round trip with new keys', async () => {
  const k = await cb.newCalleeKey();
  const sealed = await cb.sealName({ calleePublicRaw: k.publicRaw, callId: 'x1', callerId: v.callerId, calleeId: v.calleeId, name: ' Bob\u202e ' });
  assert.notEqual(sealed.box, v.box);
  assert.equal(await cb.openName({ calleePrivate: await cb.importCalleePrivate(k.privatePkcs8), callId: 'x1',
    callerId: v.callerId, calleeId: v.calleeId, ...sealed }), 'Bob');
});
