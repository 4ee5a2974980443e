// Unit tests of sha256.js against FIPS 180-4's examples and Node's own SHA-256, fed in odd pieces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const { Sha256 } = await import(js('sha256.js'));
const enc = (s) => new TextEncoder().encode(s);

test('FIPS 180-4 examples: "abc", the empty string, the 448-bit message', () => {
  assert.equal(new Sha256().update(enc('abc')).hex(), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(new Sha256().hex(), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(new Sha256().update(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).hex(),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
});

test('any split of the input gives Node\'s digest, at every length around the block edges', () => {
  const data = randomBytes(3000);
  for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 3000]) {
    const want = createHash('sha256').update(data.subarray(0, n)).digest('hex');
    const h = new Sha256();
    for (let i = 0; i < n;) {
      const step = 1 + ((i * 7) % 97);
      h.update(new Uint8Array(data.subarray(i, Math.min(n, i + step))));
      i += step;
    }
    assert.equal(h.hex(), want, `length ${n}`);
  }
});

test('digest is final: asking twice gives the same, updating after throws', () => {
  const h = new Sha256().update(enc('x'));
  assert.equal(h.hex(), h.hex());
  assert.throws(() => h.update(enc('y')), /after digest/);
});
