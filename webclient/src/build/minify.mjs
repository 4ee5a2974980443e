// Build step (webclient, process-classes, before precompress.mjs): minifies the client's own ES
// modules in the built output with terser (a build-time npm dependency), in place: comments and
// whitespace go, local names are shortened; exports, class and function names stay (messages and
// stack traces keep them). The sources in src/main/resources stay as they are. MQTT.js (vendor/)
// comes minified already. Usage: node minify.mjs DIR
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { minify } from 'terser';

const root = process.argv[2];
if (!root) {
  console.error('usage: node minify.mjs DIR');
  process.exit(2);
}

/** @param {string} dir @returns {string[]} */
function walk(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

let before = 0;
let after = 0;
for (const file of walk(join(root, 'js')).filter((f) => f.endsWith('.js'))) {
  const source = readFileSync(file, 'utf8');
  const result = await minify(source, {
    module: true,
    ecma: 2020,
    compress: { passes: 2 },
    mangle: true,
    keep_classnames: true,
    keep_fnames: true,
    format: { comments: false },
  });
  writeFileSync(file, result.code);
  before += source.length;
  after += result.code.length;
}
console.log(`minified ${root}/js: ${before} -> ${after} bytes`);
