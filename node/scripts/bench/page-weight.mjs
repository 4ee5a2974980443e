// Page weight of the web client as a browser fetches it (issue 13): GET the page with
// Accept-Encoding "br, gzip", then every file it references (src/href) and every module those
// import, following relative ES module imports; sums the bytes on the wire (status line, headers,
// body). Then a reload as a browser does it: files marked immutable are not asked for again, the
// others are revalidated with If-None-Match. Loopback measuring tool: accepts the node's
// self-signed certificate.   Usage: node page-weight.mjs https://127.0.0.1:PORT/
import https from 'node:https';
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

const base = process.argv[2];
if (!base) {
  console.error('usage: node page-weight.mjs URL');
  process.exit(2);
}

function get(url, headers) {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { headers: { 'accept-encoding': 'br, gzip', ...headers }, rejectUnauthorized: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let headerBytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2;
        for (let i = 0; i < res.rawHeaders.length; i += 2) headerBytes += res.rawHeaders[i].length + res.rawHeaders[i + 1].length + 4;
        const enc = res.headers['content-encoding'];
        const text = body.length === 0 ? body : enc === 'br' ? brotliDecompressSync(body) : enc === 'gzip' ? gunzipSync(body) : body;
        resolve({ status: res.statusCode, headers: res.headers, wire: headerBytes + body.length, text: text.toString('utf8') });
      });
    });
    req.on('error', reject);
  });
}

const seen = new Map();
async function load(url) {
  if (seen.has(url)) return;
  const r = await get(url, {});
  seen.set(url, r);
  const refs = [];
  if ((r.headers['content-type'] || '').startsWith('text/html')) {
    for (const m of r.text.matchAll(/\b(?:src|href)="([^"#?:]+)"/g)) refs.push(m[1]);
  } else if ((r.headers['content-type'] || '').includes('javascript')) {
    for (const m of r.text.matchAll(/\bfrom\s*["'](\.{1,2}\/[^"']+)["']|\bimport\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      refs.push(m[1] ?? m[2]);
    }
  }
  for (const ref of refs) await load(new URL(ref, url).href);
}

const t0 = performance.now();
await load(base);
const first = [...seen.values()].reduce((n, r) => n + r.wire, 0);
let reload = 0;
let asked = 0;
for (const [url, r] of seen) {
  if ((r.headers['cache-control'] || '').includes('immutable')) continue;
  const again = await get(url, r.headers.etag ? { 'if-none-match': r.headers.etag } : {});
  reload += again.wire;
  asked++;
}
console.log(JSON.stringify({ files: seen.size, firstLoadBytes: first, reloadRequests: asked, reloadBytes: reload,
  fetchMillis: Math.round(performance.now() - t0),
  perFile: [...seen].map(([u, r]) => ({ path: new URL(u).pathname, status: r.status, wire: r.wire,
    encoding: r.headers['content-encoding'] || null, cache: r.headers['cache-control'] })) }, null, 1));
