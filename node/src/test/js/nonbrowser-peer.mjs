// A Switchboard room member that is not a browser: libwebrtc as packaged for Node by
// @roamhq/wrtc (prebuilt binary from npm), MQTT.js over the broker's TLS TCP port, and the
// protocol of docs/protocol.md written out here from the document alone (it imports nothing of
// the web client). NonBrowserPeerIT runs it against the real node and the real page in Chromium.
//
// Like other non-browser stacks it names its DTLS certificate with several a=fingerprint lines
// (RFC 8122 §5: SHA-512 first with the hash name in upper case, then sha-256, then sha-384), all
// of them signed (§6).
//
// Input (environment): SB_NODE_MODULES (folder holding mqtt and @roamhq/wrtc), SB_URL (the node's
// page, https://127.0.0.1:<port>/), SB_CA (PEM of the node's certificate: its only trust anchor,
// §2), SB_WORD, SB_NAME, SB_SAY (a chat line to send once connected).
// Output: one JSON object per line on stdout, {"event": ...}; errors on stderr; exit code 0 after
// "bye" or SIGTERM, 1 on a failed check.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createHash, webcrypto } from 'node:crypto';
import https from 'node:https';

const require = createRequire(`${process.env.SB_NODE_MODULES}/`);
const mqtt = require('mqtt');
const wrtc = require('@roamhq/wrtc');
const subtle = webcrypto.subtle;

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const ca = readFileSync(env('SB_CA'));
const word = env('SB_WORD');
const name = env('SB_NAME');
const say = env('SB_SAY');
const emit = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
const fail = (why) => {
  process.stderr.write(`nonbrowser-peer: ${why}\n`);
  emit('failed', { why: String(why) });
  process.exit(1);
};
process.on('unhandledRejection', (e) => fail(e?.stack || e));

// §1 encodings
const utf8 = (s) => new TextEncoder().encode(s);
const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
const unb64url = (s) => new Uint8Array(Buffer.from(s, 'base64url'));
const random = (n) => webcrypto.getRandomValues(new Uint8Array(n));
const PEER_ID = /^[A-Za-z0-9_-]{43}$/;
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

function getJson(url) {
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${url}: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

// §1.1 the room: PBKDF2 then HKDF
async function deriveRoom(secret) {
  const pw = await subtle.importKey('raw', utf8(secret.trim().normalize('NFC')), 'PBKDF2', false, ['deriveBits']);
  const master = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: utf8('switchboard/v1/room-kdf'), iterations: 200000 }, pw, 256);
  const hk = await subtle.importKey('raw', master, 'HKDF', false, ['deriveBits']);
  const expand = async (info) => new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: utf8(info) }, hk, 256));
  const roomId = b64url(await expand('switchboard/v1/room-id'));
  const roomKey = await subtle.importKey('raw', await expand('switchboard/v1/room-key'), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const membershipKey = await subtle.importKey('raw', await expand('switchboard/v1/membership-key'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  return { roomId, roomKey, membershipKey };
}

// §5.1 sealed presence
const boxAad = (roomId, senderId) => utf8(`switchboard/v1/presence-box\n${roomId}\n${senderId}`);
async function seal(room, senderId, content) {
  const json = utf8(JSON.stringify(content));
  const padded = new Uint8Array(Math.max(128, Math.ceil(json.length / 128) * 128)).fill(0x20);
  padded.set(json);
  const iv = random(12);
  const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: boxAad(room.roomId, senderId) }, room.roomKey, padded));
  return b64url(Buffer.concat([iv, ct]));
}
async function open(room, senderId, box) {
  try {
    const bytes = unb64url(box);
    const plain = await subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, 12), additionalData: boxAad(room.roomId, senderId) }, room.roomKey, bytes.subarray(12));
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return null;
  }
}

// §6 and §6.1: statements, signatures, MACs
const statementOf = (p) => utf8(['switchboard/v1/session-description', p.context, p.type, p.senderId, p.recipientId,
  p.senderNonce, p.recipientNonce, ...p.sdp.split(/\r?\n/).filter((l) => l.startsWith('a=fingerprint:'))
    .map((l) => l.substring('a=fingerprint:'.length))].join('\n'));
const helloStatement = (roomId, senderId, recipientId, senderNonce, recipientNonce) => utf8(['switchboard/v1/hello', roomId,
  senderId, recipientId, senderNonce, recipientNonce].join('\n'));
const SIGN = { name: 'ECDSA', hash: 'SHA-256' };

/** RFC 8122 §5 fingerprints of a DER certificate, "sha-256 AB:CD:…". */
const digest = (algorithm, der) => createHash(algorithm.replace('-', '')).update(der).digest('hex')
  .toUpperCase().match(/../g).join(':');

/** The fingerprints the peer signed: hash name lower case, hex upper case (§6). */
const signedFingerprints = (sdp) => sdp.split(/\r?\n/).filter((l) => l.startsWith('a=fingerprint:')).map((l) => {
  const [algorithm, value] = l.substring('a=fingerprint:'.length).split(' ');
  return { algorithm: algorithm.toLowerCase(), value: value.toUpperCase() };
});

const info = await getJson(new URL('node-info.json', env('SB_URL')).href);
if (!info.broker.tcpPort) fail('node-info.json names no broker TCP port');
// SB_ID_BELOW: make a key whose id sorts before that one (so this side is the one to start).
let keys;
let spki;
let myId;
for (let tries = 0; tries < 256; tries++) {
  keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  spki = new Uint8Array(await subtle.exportKey('spki', keys.publicKey));
  myId = b64url(createHash('sha256').update(spki).digest());
  if (!process.env.SB_ID_BELOW || myId < process.env.SB_ID_BELOW) break;
}
if (process.env.SB_ID_BELOW && !(myId < process.env.SB_ID_BELOW)) fail('no id below SB_ID_BELOW in 256 tries');
// SB_ANSWER_ONLY: never make the first offer, even when §5 says this side starts.
const answerOnly = process.env.SB_ANSWER_ONLY === '1';
const myNonce = b64url(random(16));
const room = await deriveRoom(word);
const context = `room:${room.roomId}`;
const inbox = (id) => `sb/v1/inbox/${id}`;
const presence = `sb/v1/room/${room.roomId}/presence`;
emit('identity', { id: myId });

// §3 connect over the broker's TCP port with TLS, trusting only the node's certificate.
const client = mqtt.connect({
  protocol: info.broker.tcpTls ? 'mqtts' : 'mqtt', host: new URL(env('SB_URL')).hostname, port: info.broker.tcpPort, ca,
  protocolVersion: 5, clientId: myId, clean: true, reconnectPeriod: 0, connectTimeout: 10000,
  properties: { authenticationMethod: 'sb-key-v1', authenticationData: Buffer.from(spki) },
});
client.handleAuth = (packet, cb) => {
  const challenge = new Uint8Array(packet.properties.authenticationData);
  const named = new TextDecoder().decode(challenge.subarray(32));
  if (named !== info.nodeId) {
    cb(new Error(`challenge names node ${named}, not ${info.nodeId}`));
    return;
  }
  const statement = Buffer.concat([utf8('switchboard/v1/connect'), Buffer.from([0]), utf8(myId), Buffer.from([0]), challenge]);
  subtle.sign(SIGN, keys.privateKey, statement).then((sig) => cb(null, {
    cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'sb-key-v1', authenticationData: Buffer.from(sig) },
  }), (e) => cb(e));
};
client.on('error', (e) => fail(`broker: ${e.message}`));
await new Promise((resolve) => client.once('connect', resolve));
emit('connected-to-node', { tcpPort: info.broker.tcpPort, tls: !!info.broker.tcpTls });
const publish = (topic, m) => client.publishAsync(topic, JSON.stringify(m), { qos: 1 });
await client.subscribeAsync([inbox(myId), presence], { qos: 1 });

let peer = null; // { id, key, nonce, name }
let pc = null;
let channels = null;
let signedCert = null;
let verified = false;

async function meet(from, m, answerWithHello) {
  if (!PEER_ID.test(from) || !NONCE.test(m.nonce || '') || typeof m.key !== 'string') return;
  const spkiBytes = unb64url(m.key);
  if (b64url(createHash('sha256').update(spkiBytes).digest()) !== from) return;
  const content = await open(room, from, m.box);
  if (!content) {
    emit('refused', { peer: from, why: 'box does not open: does not know the word' });
    return;
  }
  const key = await subtle.importKey('spki', spkiBytes, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  if (!answerWithHello) {
    const mac = unb64url(m.mac || '');
    if (!(await subtle.verify('HMAC', room.membershipKey, mac, helloStatement(room.roomId, from, myId, m.nonce, myNonce)))) {
      emit('refused', { peer: from, why: 'hello MAC does not check' });
      return;
    }
  }
  peer = { id: from, key, nonce: m.nonce, name: content.name };
  emit('met', { peer: from, name: content.name });
  if (answerWithHello) {
    const mac = new Uint8Array(await subtle.sign('HMAC', room.membershipKey, helloStatement(room.roomId, myId, from, myNonce, m.nonce)));
    await publish(inbox(from), { v: 1, type: 'hello', room: room.roomId, key: b64url(spki), nonce: myNonce,
      box: await seal(room, myId, { name }), mac: b64url(mac) });
  }
  // §5 step 3: the smaller id (compared as bytes of its ASCII text) starts.
  if (Buffer.compare(Buffer.from(myId), Buffer.from(from)) < 0 && !answerOnly) await start();
}

function newConnection() {
  pc = new wrtc.RTCPeerConnection({ iceServers: [{ urls: `stun:${info.stun.host}:${info.stun.port}` }], bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  // §10.2: three negotiated channels with fixed ids, created by both sides.
  channels = {
    control: pc.createDataChannel('control', { negotiated: true, id: 0, ordered: true }),
    chat: pc.createDataChannel('chat', { negotiated: true, id: 1, ordered: true }),
    file: pc.createDataChannel('file', { negotiated: true, id: 2, ordered: true }),
  };
  channels.control.onopen = () => checkCertificate().catch((e) => fail(e.stack));
  channels.control.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === 'ping') channels.control.send(JSON.stringify({ v: 1, type: 'pong', id: b64url(random(9)), ref: m.id }));
    if (m.type === 'bye') finish();
  };
  channels.chat.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.v === 1 && m.type === 'chat' && verified) emit('chat', { text: m.text });
  };
}

/** Adds sha-384 and sha-512 lines for the local certificate, as several stacks write them (RFC 8122 §5). */
async function withSeveralFingerprints(sdp) {
  const stats = await pc.getStats();
  const local = [...stats.values()].filter((s) => s.type === 'certificate');
  const own = local.find((s) => sdp.includes(`a=fingerprint:${s.fingerprintAlgorithm} ${s.fingerprint}`));
  if (!own) fail('no local certificate in the stats');
  const der = Buffer.from(own.base64Certificate, 'base64');
  if (digest('sha-256', der) !== own.fingerprint) fail('sha-256 of the local certificate differs from its stats');
  return sdp.replace(/a=fingerprint:sha-256 ([0-9A-F:]+)\r\n/g, (line) => `a=fingerprint:SHA-512 ${digest('sha-512', der)}\r\n${line}`
    + `a=fingerprint:sha-384 ${digest('sha-384', der)}\r\n`);
}

async function send(type, sdp) {
  const full = await withSeveralFingerprints(sdp);
  const statement = statementOf({ context, type, senderId: myId, recipientId: peer.id, senderNonce: myNonce, recipientNonce: peer.nonce, sdp: full });
  const sig = new Uint8Array(await subtle.sign(SIGN, keys.privateKey, statement));
  const mac = new Uint8Array(await subtle.sign('HMAC', room.membershipKey, statement));
  emit('sent', { type, fingerprints: full.split('\r\n').filter((l) => l.startsWith('a=fingerprint:')) });
  await publish(inbox(peer.id), { v: 1, type, context, sdp: full, sig: b64url(sig), mac: b64url(mac) });
}

async function start() {
  newConnection();
  await pc.setLocalDescription(await pc.createOffer());
  await send('offer', pc.localDescription.sdp);
}

async function onDescription(m) {
  const statement = statementOf({ context, type: m.type, senderId: peer.id, recipientId: myId, senderNonce: peer.nonce, recipientNonce: myNonce, sdp: m.sdp });
  if (!(await subtle.verify(SIGN, peer.key, unb64url(m.sig), statement))) {
    await publish(inbox(peer.id), { v: 1, type: 'error', code: 'bad-signature', message: `signature on your ${m.type} did not verify`, ref: { type: m.type } });
    fail('bad signature');
  }
  if (!(await subtle.verify('HMAC', room.membershipKey, unb64url(m.mac), statement))) fail('bad membership MAC');
  signedCert = signedFingerprints(m.sdp);
  if (m.type === 'offer') {
    newConnection();
    await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await send('answer', pc.localDescription.sdp);
  } else {
    await pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
  }
}

/** §6.2: the certificate DTLS presented must be one the peer signed. */
async function checkCertificate() {
  // libwebrtc fills the transport's remote certificate into its stats a moment after the first
  // channel opens (seen when this side answers): ask again, at most 50 times over 5 s.
  let stats;
  let transport;
  let cert;
  for (let tries = 0; tries < 50 && !cert; tries++) {
    if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    stats = await pc.getStats();
    transport = [...stats.values()].find((s) => s.type === 'transport' && s.remoteCertificateId);
    cert = transport && stats.get(transport.remoteCertificateId);
  }
  if (!cert) fail('the remote certificate is not in the stats after 5 s');
  const der = Buffer.from(cert.base64Certificate, 'base64');
  const matching = signedCert.filter((f) => digest(f.algorithm, der) === f.value);
  if (matching.length === 0) {
    await publish(inbox(peer.id), { v: 1, type: 'error', code: 'certificate-mismatch', message: 'DTLS presented a certificate none of your signed fingerprints names' });
    fail('certificate mismatch');
  }
  const pair = transport.selectedCandidatePairId && stats.get(transport.selectedCandidatePairId);
  const remote = pair && stats.get(pair.remoteCandidateId);
  verified = true;
  emit('verified', { remoteAddress: remote?.address ?? remote?.ip ?? null, remotePort: remote?.port ?? null,
    certificate: matching.map((f) => f.algorithm) });
  channels.chat.send(JSON.stringify({ v: 1, type: 'chat', id: b64url(random(9)), text: say }));
}

function finish() {
  emit('closed');
  try {
    pc?.close();
  } finally {
    client.end(true, () => process.exit(0));
  }
}
process.on('SIGTERM', finish);

let queue = Promise.resolve();
client.on('message', (topic, payload, packet) => {
  const from = packet.properties?.userProperties?.['sb-sender'];
  let m;
  try {
    m = JSON.parse(payload.toString('utf8'));
  } catch {
    return;
  }
  if (!m || m.v !== 1 || from === myId) return;
  const handle = async () => {
    if (from === 'node') {
      if (m.type === 'error') emit('node-error', { code: m.code, message: m.message });
      return;
    }
    if (topic === presence && m.type === 'join' && !peer) return meet(from, m, true);
    if (topic === presence && m.type === 'leave' && peer?.id === from) return finish();
    if (topic === inbox(myId) && m.type === 'hello' && m.room === room.roomId && !peer) return meet(from, m, false);
    if (topic === inbox(myId) && peer?.id === from && m.context === context && (m.type === 'offer' || m.type === 'answer')) return onDescription(m);
    if (topic === inbox(myId) && m.type === 'error') emit('peer-error', { code: m.code, message: m.message });
    return undefined;
  };
  queue = queue.then(handle).catch((e) => fail(e.stack));
});

// §5 step 1: announce ourselves with the sealed name.
await publish(presence, { v: 1, type: 'join', key: b64url(spki), nonce: myNonce, box: await seal(room, myId, { name }) });
emit('joined', { room: room.roomId });
