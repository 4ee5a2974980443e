// Unit tests of the web client's pure parts, run by Node's test runner against the built
// resources (target/classes/webclient). Expected values come from the formulas in
// docs/protocol.md, computed independently (Python's hashlib), so code and document agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const { toBase64Url, fromBase64Url, parseJson, concat, utf8 } = await import(js('encoding.js'));
const { peerIdOf, shortFingerprint, dtlsFingerprints, sessionStatement, signedFingerprint } = await import(js('identity.js'));

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

test('peerIdOf and shortFingerprint: SHA-256 of the SPKI, first 8 bytes in groups of four', async () => {
  const spki = Uint8Array.from({ length: 91 }, (_, i) => i);
  const id = await peerIdOf(spki);
  assert.equal(id, 'WNKUWbITCi4VElLUCLlebaxCTFZAYuuRHMdkQMuSbKA');
  assert.equal(id.length, 43);
  assert.equal(shortFingerprint(id), '58d2 9459 b213 0a2e');
});

const FP = 'sha-256 1C:4F:7B:0E:93:A6:5D:22:8B:90:14:E7:3A:C5:6F:D1:28:B4:09:77:E2:5C:8A:3F:60:D9:11:4E:B7:82:C3:05';
const OTHER_FP = 'sha-256 00:4F:7B:0E:93:A6:5D:22:8B:90:14:E7:3A:C5:6F:D1:28:B4:09:77:E2:5C:8A:3F:60:D9:11:4E:B7:82:C3:05';
const sdp = (...fingerprintLines) => ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', ...fingerprintLines, 'a=setup:actpass', ''].join('\r\n');
const SDP = sdp(`a=fingerprint:${FP}`, `a=fingerprint:${FP}`);
const ANN = 'Tz4kWm2YcQ8rVn7JbL5eXa0dFg3HsKp6uR1iOyZtNvC';
const BOB = 'bX2JqRk7QbYH3Wc1TnLq0o8xZkV2cNwE5sPa9fDgUhI';
const base = {
  context: 'room:dUoy5J-MqKkK1nTtnXq0kQ0nB0mrqE6ftp8Wq9q6dXs', type: 'offer', senderId: ANN, recipientId: BOB,
  senderNonce: 'q3Vw1bM7cXrT9kLp2sYd0g', recipientNonce: 'Zx8Hn4Ja6Ue5Rt2Wm0Qk3s', sdp: SDP,
};

test('dtlsFingerprints: every a=fingerprint value in order, CRLF or LF', () => {
  assert.deepEqual(dtlsFingerprints(SDP), [FP, FP]);
  assert.deepEqual(dtlsFingerprints(SDP.replace(/\r\n/g, '\n')), [FP, FP]);
});

test('signedFingerprint: exactly one certificate, spelled exactly', () => {
  assert.equal(signedFingerprint(SDP), FP);
  assert.equal(signedFingerprint(sdp()), null, 'none');
  assert.equal(signedFingerprint(sdp(`a=fingerprint:${FP}`, `a=fingerprint:${OTHER_FP}`)), null, 'two certificates');
  assert.equal(signedFingerprint(sdp(`a=fingerprint:${FP}`, `a=FINGERPRINT:${OTHER_FP}`)), null, 'other case');
  assert.equal(signedFingerprint(sdp('a=fingerprint:sha-256 not-hex')), null, 'malformed');
});

test('sessionStatement: the exact bytes of docs/protocol.md section 6', () => {
  const expected = ['switchboard/v1/session-description', base.context, 'offer', ANN, BOB,
    base.senderNonce, base.recipientNonce, FP, FP].join('\n');
  assert.deepEqual(sessionStatement(base), utf8(expected));
});

test('sessionStatement: no part can smuggle in lines or a second certificate', () => {
  assert.equal(sessionStatement({ ...base, recipientNonce: `${base.recipientNonce}\n${OTHER_FP}` }), null);
  assert.equal(sessionStatement({ ...base, senderNonce: 'short' }), null);
  assert.equal(sessionStatement({ ...base, senderId: `${ANN}\n` }), null);
  assert.equal(sessionStatement({ ...base, recipientId: 'node' }), null);
  assert.equal(sessionStatement({ ...base, context: 'room:x\ny' }), null);
  assert.equal(sessionStatement({ ...base, type: 'pranswer' }), null);
  assert.equal(sessionStatement({ ...base, sdp: sdp(`a=fingerprint:${FP}`, `a=fingerprint:${OTHER_FP}`) }), null);
  assert.equal(sessionStatement({ ...base, sdp: 'v=0\r\ns=-\r\n' }), null, 'no DTLS fingerprint, nothing to sign');
});

test('concat: joins byte arrays end to end', () => {
  assert.deepEqual(concat(utf8('ab'), new Uint8Array([0]), utf8('c')), new Uint8Array([97, 98, 0, 99]));
});

test('safetyCode: the same 10 groups of 5 digits on both sides, different for another pair', async () => {
  const { safetyCode } = await import(js('identity.js'));
  const a = 'A'.repeat(43);
  const b = 'b'.repeat(43);
  const c = 'c'.repeat(43);
  const ab = await safetyCode(a, b);
  assert.match(ab, /^\d{5}( \d{5}){9}$/);
  assert.equal(await safetyCode(b, a), ab);
  assert.notEqual(await safetyCode(a, c), ab);
});
