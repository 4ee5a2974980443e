// Build step (webclient, process-classes): for every text asset of the built client writes a
// brotli (.br, quality 11) and a gzip (.gz, level 9) copy next to it when that is smaller, and
// `asset-version`: a digest of all assets, which the node puts into the asset URLs it hands out so
// that browsers may keep those for good (Cache-Control immutable) and a reload asks for nothing but
// the page. Uses only Node's own zlib. Usage: node precompress.mjs DIR
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = process.argv[2];
if (!root) {
  console.error('usage: node precompress.mjs DIR');
  process.exit(2);
}
const TEXT = /\.(html|js|mjs|css|json|svg|txt|md|map|webmanifest)$/;

/** @param {string} dir @returns {string[]} files below dir, sorted */
function walk(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const digest = createHash('sha256');
let before = 0;
let after = 0;
// First the stale copies of an earlier build go, all of them, before any new one is written (the
// walk lists "app.js" before "app.js.br": deleting on the way would delete the copy just made).
for (const file of walk(root)) {
  if ((file.endsWith('.br') || file.endsWith('.gz')) && TEXT.test(file.slice(0, -3))) unlinkSync(file);
}
for (const file of walk(root)) {
  if (file.endsWith('.br') || file.endsWith('.gz')) continue;
  if (relative(root, file) === 'asset-version') continue;
  const body = readFileSync(file);
  digest.update(relative(root, file)).update('\0').update(body).update('\0');
  if (!TEXT.test(file)) continue;
  const br = brotliCompressSync(body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
  });
  const gz = gzipSync(body, { level: 9 });
  if (br.length < body.length) writeFileSync(file + '.br', br);
  if (gz.length < body.length) writeFileSync(file + '.gz', gz);
  before += body.length;
  after += Math.min(br.length, body.length);
}
const version = digest.digest('base64url').slice(0, 16);
writeFileSync(join(root, 'asset-version'), version + '\n');
console.log(`precompressed ${root}: ${before} -> ${after} bytes (brotli); asset version ${version}`);
