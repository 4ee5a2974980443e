// The session descriptions of docs/vectors/sdp.json (docs/protocol.md §6, §6.2): what the client
// reads as the signed certificate from each, what it refuses and why, and which certificate
// reported by DTLS matches. The same file is checked on the node's side by SdpVectorsTest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { pathToFileURL, fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const {
  certificateOf, certificateMatches, certificateMismatchDetail, sameCertificate, sessionStatement, dtlsFingerprints,
} = await import(js('identity.js'));
const vectors = JSON.parse(readFileSync(path.resolve(here, '../../../../docs/vectors/sdp.json'), 'utf8'));
const sdpOf = (c) => c.sdp.join('\r\n');
const statementFor = (sdp) => sessionStatement({
  context: 'room:k9NnL6hMbPqBq3aSIqhcUGowFwTPokkG5hlMnsjijes', type: 'offer',
  senderId: 'Tz4kWm2YcQ8rVn7JbL5eXa0dFg3HsKp6uR1iOyZtNvC', recipientId: 'bX2JqRk7QbYH3Wc1TnLq0o8xZkV2cNwE5sPa9fDgUhI',
  senderNonce: 'q3Vw1bM7cXrT9kLp2sYd0g', recipientNonce: 'Zx8Hn4Ja6Ue5Rt2Wm0Qk3s', sdp,
});

test('sdp vectors: the fingerprint lines are the RFC 8122 digests of the DER certificate', () => {
  const der = Buffer.from(vectors.certificate, 'base64');
  const digest = (algorithm) => createHash(algorithm.replace('-', '')).update(der).digest('hex')
    .toUpperCase().match(/../g).join(':');
  const first = vectors.cases[0].fingerprints;
  assert.equal(first.length, 3);
  for (const f of first) assert.equal(f.value, digest(f.algorithm), f.algorithm);
});

for (const c of vectors.cases) {
  test(`sdp vectors: ${c.name}`, () => {
    const sdp = sdpOf(c);
    const got = certificateOf(sdp);
    const statement = statementFor(sdp);
    if (c.fingerprints) {
      assert.equal(got.error, null);
      assert.deepEqual(got.fingerprints, c.fingerprints);
      // The signature covers every fingerprint line, as written and in order.
      const lines = new TextDecoder().decode(statement).split('\n');
      assert.deepEqual(lines.slice(7), dtlsFingerprints(sdp));
      assert.equal(lines.length, 7 + c.sdp.filter((l) => l.startsWith('a=fingerprint:')).length);
      // The same certificate in LF-only form reads the same.
      assert.deepEqual(certificateOf(c.sdp.join('\n')).fingerprints, c.fingerprints);
    } else {
      assert.equal(got.fingerprints, null);
      assert.ok(got.error.includes(c.error), `${got.error} should say ${c.error}`);
      assert.equal(statement, null, 'nothing is signed or verified for an unusable description');
    }
  });
}

test('sdp vectors: the presented certificate is compared with the line of its own hash function', () => {
  const signed = vectors.cases[0].fingerprints;
  for (const p of vectors.presented) {
    assert.equal(certificateMatches(signed, p), p.matches, `${p.algorithm} ${p.value}`);
    if (!p.matches) assert.ok(certificateMismatchDetail(signed, p).includes(p.detail), certificateMismatchDetail(signed, p));
  }
  // Only a sha-256 line signed: a certificate reported with sha-384 cannot be checked against it.
  const only256 = vectors.cases[2].fingerprints;
  assert.equal(certificateMatches(only256, vectors.presented[1]), false);
  assert.ok(certificateMismatchDetail(only256, vectors.presented[1]).includes('(no sha-384 line)'));
  assert.equal(certificateMatches(signed, null), false);
});

test('sameCertificate: later descriptions must agree on every hash function they share', () => {
  const [three, twoReordered, one256] = vectors.cases.map((c) => certificateOf(sdpOf(c)).fingerprints);
  assert.equal(sameCertificate(three, twoReordered), true);
  assert.equal(sameCertificate(one256, three), true);
  const other = [{ algorithm: 'sha-256', value: `00${three[0].value.slice(2)}` }];
  assert.equal(sameCertificate(three, other), false);
  assert.equal(sameCertificate([{ algorithm: 'sha-1', value: 'AA:BB' }], three), false, 'nothing shared');
});
