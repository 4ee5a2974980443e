// The build's precompress step (src/build/precompress.mjs): every text asset gets a brotli and a
// gzip copy that decode to it, and running the step again (a build over an earlier build's output)
// keeps them: stale copies are replaced, never left deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../build/precompress.mjs', import.meta.url));

test('precompress: copies decode to the asset, and a second run keeps them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'precompress-'));
  try {
    mkdirSync(join(dir, 'js'));
    const body = `export const lines = ${JSON.stringify(Array.from({ length: 200 }, (_, i) => `line ${i}`))};\n`;
    writeFileSync(join(dir, 'js', 'app.js'), body);
    writeFileSync(join(dir, 'index.html'), `<!doctype html><title>t</title>${'<p>hello</p>'.repeat(100)}`);
    writeFileSync(join(dir, 'tiny.txt'), 'x');
    for (let run = 1; run <= 3; run++) {
      execFileSync(process.execPath, [script, dir], { stdio: 'pipe' });
      for (const file of ['js/app.js', 'index.html']) {
        const original = readFileSync(join(dir, file));
        assert.ok(existsSync(join(dir, `${file}.br`)), `run ${run}: ${file}.br`);
        assert.ok(existsSync(join(dir, `${file}.gz`)), `run ${run}: ${file}.gz`);
        assert.deepEqual(brotliDecompressSync(readFileSync(join(dir, `${file}.br`))), original);
        assert.deepEqual(gunzipSync(readFileSync(join(dir, `${file}.gz`))), original);
      }
      // A copy larger than the asset is not written.
      assert.ok(!existsSync(join(dir, 'tiny.txt.br')), `run ${run}: no tiny.txt.br`);
      assert.match(readFileSync(join(dir, 'asset-version'), 'utf8'), /^[A-Za-z0-9_-]{16}\n$/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
