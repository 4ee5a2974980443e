// Opens N idle "browser" connections to a Switchboard node on loopback, for scripts/footprint.sh:
// each one does what the web client does after sign-in (MQTT 5 over secure WebSocket, a fresh
// ECDSA P-256 key, the sb-key-v1 challenge answered, its inbox and one room's presence
// subscribed), then stays idle. Prints "connected N" once all are up, holds them HOLD seconds,
// closes them and exits. Bounded: at most N connections, 50 at a time, and it gives up after
// LIMIT seconds in all.
//
//   node node/scripts/idle-clients.mjs wss://127.0.0.1:8444/mqtt N HOLD LIMIT
//
// Uses MQTT.js from webclient/node_modules (the build installs it). Loopback only: any other host
// is refused.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', 'webclient', 'package.json'));
const mqtt = require('mqtt');

const toBase64Url = (bytes) => Buffer.from(bytes).toString('base64url');
/** docs/protocol.md: a peer id is base64url(SHA-256(SubjectPublicKeyInfo DER)), 43 characters. */
const peerIdOf = async (spki) => toBase64Url(await crypto.subtle.digest('SHA-256', spki));

const [url, countArg = '1000', holdArg = '20', limitArg = '300'] = process.argv.slice(2);
const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== '::1' && host !== 'localhost') {
  console.error(`idle-clients: ${host} is not a loopback address`);
  process.exit(2);
}
const count = Math.min(Number(countArg), 5000);
const hold = Math.min(Number(holdArg), 600);
const limit = Math.min(Number(limitArg), 900);
setTimeout(() => {
  console.error(`idle-clients: gave up after ${limit} s`);
  process.exit(1);
}, limit * 1000).unref();

const CONTEXT = new TextEncoder().encode('switchboard/v1/connect');
const NONCE_BYTES = 32;
// One room for all: a room id has the same shape as a peer id (43 base64url characters).
const room = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
const clients = [];

async function connectOne() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false,
    ['sign', 'verify']);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  const id = await peerIdOf(spki);
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      protocolVersion: 5,
      clientId: id,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 0,
      connectTimeout: 30000,
      rejectUnauthorized: false, // the node's self-signed certificate, on loopback
      properties: { authenticationMethod: 'sb-key-v1', authenticationData: spki },
    });
    client.handleAuth = (packet, cb) => {
      const challenge = new Uint8Array(packet?.properties?.authenticationData || []);
      if (challenge.length < NONCE_BYTES) {
        cb(new Error('malformed challenge'));
        return;
      }
      const idBytes = new TextEncoder().encode(id);
      const statement = new Uint8Array(CONTEXT.length + 1 + idBytes.length + 1 + challenge.length);
      statement.set(CONTEXT, 0);
      statement.set(idBytes, CONTEXT.length + 1);
      statement.set(challenge, CONTEXT.length + 1 + idBytes.length + 1);
      crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, statement).then(
        (signature) => cb(null, {
          cmd: 'auth',
          reasonCode: 0x18,
          properties: { authenticationMethod: 'sb-key-v1', authenticationData: new Uint8Array(signature) },
        }),
        (e) => cb(e));
    };
    client.once('connect', () => {
      client.subscribe([`sb/v1/inbox/${id}`, `sb/v1/room/${room}/presence`], { qos: 1 }, (err) => {
        if (err) reject(err);
        else resolve(client);
      });
    });
    client.once('error', (e) => reject(e));
  });
}

const started = Date.now();
let next = 0;
async function worker() {
  while (next < count) {
    next += 1;
    clients.push(await connectOne());
  }
}
try {
  await Promise.all(Array.from({ length: Math.min(50, count) }, worker));
} catch (e) {
  console.error(`idle-clients: connection ${clients.length + 1} failed: ${e.message}`);
  clients.forEach((c) => c.end(true));
  process.exit(1);
}
console.log(`connected ${clients.length} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
await new Promise((r) => setTimeout(r, hold * 1000));
await Promise.all(clients.map((c) => new Promise((r) => c.end(false, {}, r))));
console.log('closed');
process.exit(0);
