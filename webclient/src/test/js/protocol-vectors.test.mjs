// The examples of docs/protocol.md as docs/vectors/protocol.json, on the client's side: the
// node-info document (§2) and the broker URL and ICE server a client takes from it, the login
// statement and signature (§3, WebCrypto), how the client reads each example message (§5, §7),
// and the data-channel messages (§10.2). The node's side is ProtocolVectorsTest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const { brokerUrl, iceServers } = await import(js('discovery.js'));
const { connectStatement, peerIdOf } = await import(js('identity.js'));
const { fromBase64Url } = await import(js('encoding.js'));
const protocol = await import(js('protocol.js'));
const vectors = JSON.parse(readFileSync(path.resolve(here, '../../../../docs/vectors/protocol.json'), 'utf8'));
const hex = (h) => Uint8Array.from(h.match(/../g).map((b) => parseInt(b, 16)));

test('protocol vectors §2: the broker URL and the only ICE server come from node-info.json', () => {
  const v = vectors.nodeInfo;
  assert.equal(brokerUrl(v.document, new URL(v.page)), v.brokerUrl);
  assert.deepEqual(iceServers(v.document), v.iceServers);
});

test('protocol vectors §3: the login statement, and the signature verifies with WebCrypto', async () => {
  const v = vectors.connect;
  const spki = fromBase64Url(v.spki);
  assert.equal(await peerIdOf(spki), v.clientId);
  const challenge = hex(v.challenge);
  assert.equal(new TextDecoder().decode(challenge.subarray(32)), v.nodeId);
  const statement = connectStatement(v.clientId, challenge);
  assert.deepEqual(statement, hex(v.statement));
  const key = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  assert.equal(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, fromBase64Url(v.signature), statement), true);
  // And a fresh signature with the vector's private key verifies the same way (raw r||s, 64 bytes).
  const priv = await crypto.subtle.importKey('pkcs8', fromBase64Url(v.pkcs8), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, priv, statement));
  assert.equal(sig.length, 64);
  assert.equal(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, sig, statement), true);
});

const readers = {
  announcement: (m) => protocol.readAnnouncement(m, vectors.sender),
  description: (m) => protocol.readDescription(m),
  candidate: (m) => protocol.readCandidate(m),
  hangup: (m) => protocol.readHangup(m),
  error: (m) => protocol.readError(m),
  leave: (m) => (m.type === 'leave' ? m : null),
};

for (const m of vectors.messages.filter((x) => x.client)) {
  test(`protocol vectors §5: the client reads ${m.name}`, () => {
    const read = readers[m.client](m.payload);
    assert.notEqual(read, null);
    if (m.client === 'error') assert.equal(read.code, m.payload.code);
    if (m.client === 'description') assert.equal(read.sdp, m.payload.sdp);
    // §5 step 3: "o" is read as offerFirst only when it is the number 1.
    if (m.client === 'announcement') assert.equal(read.offerFirst, m.payload.o === 1);
    // No other reader takes it for something else.
    for (const [kind, reader] of Object.entries(readers)) {
      if (kind !== m.client) assert.equal(reader(m.payload), null, `${kind} reader`);
    }
  });
}

test('protocol vectors §5: malformed messages the node refuses are not read as anything', () => {
  for (const m of vectors.messages.filter((x) => !x.client && x.payload.v === 1)) {
    for (const [kind, reader] of Object.entries(readers)) assert.equal(reader(m.payload), null, `${m.name}: ${kind}`);
  }
});

test('protocol vectors §10.2: data-channel messages', () => {
  for (const c of vectors.channel) {
    const read = protocol.readChannelMessage(c.label, c.text);
    if (c.valid) {
      const m = JSON.parse(c.text);
      assert.equal(read?.type, m.type, c.text);
      assert.equal(read.id, m.id);
    } else {
      assert.equal(read, null, `${c.text}: ${c.why}`);
    }
  }
});
