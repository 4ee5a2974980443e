// Unit tests of the web client's pure parts, run by Node's test runner against the built
// resources (target/classes/webclient). Expected values come from the formulas in
// docs/protocol.md, computed independently (Python's hashlib), so code and document agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const { toBase64Url, fromBase64Url, parseJson, concat, utf8 } = await import(js('encoding.js'));
const { roomIdOf, peerIdOf, shortFingerprint, dtlsFingerprints, sessionStatement } = await import(js('identity.js'));

test('base64url: round trip without padding, bad input is null', () => {
  for (let n = 0; n < 40; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
    const text = toBase64Url(bytes);
    assert.match(text, /^[A-Za-z0-9_-]*$/);
    assert.deepEqual(fromBase64Url(text), bytes);
  }
  assert.equal(toBase64Url(new Uint8Array([0xfb, 0xff])), '-_8');
  assert.equal(fromBase64Url('not base64!'), null);
  assert.equal(fromBase64Url('a+b/'), null);
  assert.equal(fromBase64Url(42), null);
});

test('parseJson: malformed text or bytes become null, never an exception', () => {
  assert.deepEqual(parseJson('{"v":1}'), { v: 1 });
  assert.deepEqual(parseJson(utf8('{"type":"hello"}')), { type: 'hello' });
  assert.equal(parseJson('{nope'), null);
  assert.equal(parseJson(new Uint8Array([0x7b, 0xc3, 0x28, 0x7d])), null);
});

test('roomIdOf: base64url(SHA-256("switchboard/v1/room" 0x00 word)) as in the protocol', async () => {
  assert.equal(await roomIdOf('blue tulip 42'), 'dUoy5J-MmiedI59HMGJ-CWo_CBn1daEtwTOjbDSFFHk');
  assert.equal(await roomIdOf('Grüße ☕'), 'bH_XDD99EBREPalAeKJYvZfmclDGISdf4a30UTmjq0s');
  assert.notEqual(await roomIdOf('Blue tulip 42'), await roomIdOf('blue tulip 42'));
});

test('peerIdOf and shortFingerprint: SHA-256 of the SPKI, first 8 bytes in groups of four', async () => {
  const spki = Uint8Array.from({ length: 91 }, (_, i) => i);
  const id = await peerIdOf(spki);
  assert.equal(id, 'WNKUWbITCi4VElLUCLlebaxCTFZAYuuRHMdkQMuSbKA');
  assert.equal(id.length, 43);
  assert.equal(shortFingerprint(id), '58d2 9459 b213 0a2e');
});

const SDP = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0',
  'a=fingerprint:sha-256 AA:BB', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'a=fingerprint:sha-256 CC:DD', 'a=setup:actpass', '',
].join('\r\n');

test('dtlsFingerprints: every a=fingerprint value in order, CRLF or LF', () => {
  assert.deepEqual(dtlsFingerprints(SDP), ['sha-256 AA:BB', 'sha-256 CC:DD']);
  assert.deepEqual(dtlsFingerprints(SDP.replace(/\r\n/g, '\n')), ['sha-256 AA:BB', 'sha-256 CC:DD']);
});

test('sessionStatement: the exact bytes of docs/protocol.md section 6', () => {
  const bytes = sessionStatement({
    context: 'room:R', type: 'offer', senderId: 'ANN', recipientId: 'BOB',
    senderNonce: 'n1', recipientNonce: 'n2', sdp: SDP,
  });
  const expected = 'switchboard/v1/session-description\nroom:R\noffer\nANN\nBOB\nn1\nn2\nsha-256 AA:BB\nsha-256 CC:DD';
  assert.deepEqual(bytes, utf8(expected));
  assert.equal(sessionStatement({
    context: 'room:R', type: 'offer', senderId: 'A', recipientId: 'B', senderNonce: 'x', recipientNonce: 'y',
    sdp: 'v=0\r\ns=-\r\n',
  }), null, 'no DTLS fingerprint, nothing to sign');
});

test('concat: joins byte arrays end to end', () => {
  assert.deepEqual(concat(utf8('ab'), new Uint8Array([0]), utf8('c')), new Uint8Array([97, 98, 0, 99]));
});
