// The signaling load generator of the benchmark suite (issue 13 §1.3), run by bench.py: pairs of
// MQTT clients (MQTT.js from webclient/node_modules) against Switchboard's broker or Mosquitto, on
// loopback. Prints one JSON object on stdout; progress and errors on stderr.
//
//   node signaling.mjs exchange --target plain|switchboard --url URL --pairs N --seconds S
//                      [--rate R] [--size BYTES] [--warmup S] [--keep-sessions]
//   node signaling.mjs connect  --target plain|switchboard --url URL --count N [--concurrency C]
//   node signaling.mjs idle     --target plain|switchboard --url URL --count N [--concurrency C]
//   node signaling.mjs first    --target switchboard --url URL --count N [--warmup-count W] [--size BYTES]
//
// --target plain: anonymous MQTT 5 clients; A publishes a ~BYTES "offer" on B's flat topic, B
//   answers the same size on A's (Mosquitto, or Switchboard's opt-in compatibility listener, which
//   delivers flat topics unchecked: docs/protocol.md §12).
// --target switchboard: what a Switchboard client does (docs/protocol.md): the sb-key-v1
//   challenge-response at CONNECT with a fresh P-256 key, the inbox and a room's presence
//   subscribed, then real `offer`/`answer` messages (an SDP of about BYTES with host candidates,
//   signature- and MAC-shaped fields) that the node validates, rewrites and relays with a relay
//   allocation; unless --keep-sessions, A ends each exchange with a `hangup`, which closes the
//   pair's relay session, so every exchange allocates one.
//   URL is the node's web page (http://127.0.0.1:PORT/); node-info.json gives the TCP port.
//
// exchange: closed loop (no --rate: each pair starts its next exchange when the last ends) or paced
//   (--rate R exchanges/s over all pairs, each pair on a fixed schedule; latency counts from the
//   scheduled start, so a slow broker is not hidden by waiting), after --warmup S seconds (default
//   1) of the same load that is not measured. Output: exchanges, exchanges/s, p50/p99/max in ms
//   (offer sent to answer received), errors; the warm-up's count, p50/p99 and errors beside them.
// connect: opens COUNT connections, C at a time, keys made beforehand; connects/s, p50/p99 ms.
// idle: opens COUNT connections (subscribed as above), prints {"up":COUNT} and holds them until
//   stdin closes.
// first: what a caller's first description meets right after its page connected, on the node's
//   WebSocket listener as node-info.json names it (WSS when the node has TLS, as by default): COUNT
//   times, one pair at a time, B logs in and joins a room, then A logs in, joins and at once sends
//   B an offer of about BYTES; the time from A's publish until the offer is at B. The first W pairs
//   (default 10) warm the node up and are not counted. Output: p50/p99/max ms. URL may be https
//   (the node's own certificate is not checked: loopback only).
// Loopback only: any other host is refused. Every wait is bounded.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', '..', 'webclient', 'package.json'));
const mqtt = require('mqtt');

const args = process.argv.slice(2);
const mode = args[0];
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args[i + 1];
};
const flag = (name) => args.includes(`--${name}`);
const target = opt('target', 'plain');
const url = opt('url');
const log = (...a) => process.stderr.write(`signaling: ${a.join(' ')}\n`);
const die = (why) => {
  log(why);
  process.exit(1);
};
if (!['exchange', 'connect', 'idle', 'first'].includes(mode)) die('mode: exchange, connect, idle or first');
if (!['plain', 'switchboard'].includes(target)) die('--target plain or switchboard');
if (!url) die('--url is required');
if (mode === 'first' && target !== 'switchboard') die('first: --target switchboard (a node is what it measures)');
const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== '::1') die(`${host} is not a loopback address`);
// Every run ends: a hard limit on the whole process.
const hardLimit = setTimeout(() => die('gave up after 900 s'), 900_000);
hardLimit.unref();

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
const random = (n) => crypto.getRandomValues(new Uint8Array(n));
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);
const round3 = (x) => (x === null ? null : Math.round(x * 1000) / 1000);

function getJson(address) {
  return new Promise((resolve, reject) => {
    // The node's self-signed certificate on loopback (the host was checked above).
    (address.startsWith('https:') ? https : http).get(address, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${address}: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

// ---------------------------------------------------------------- connecting

let brokerUrl = url;
let nodeId = null;
if (target === 'switchboard') {
  const info = await getJson(new URL('node-info.json', url).href);
  if (!info.broker.tcpPort) die('node-info.json names no broker TCP port (broker.tcpPort)');
  if (mode === 'first') {
    // The browsers' way in: the WebSocket listener, with TLS when the node has it.
    const ws = info.broker.tls ? 'wss' : 'ws';
    brokerUrl = `${ws}://${host.includes(':') ? `[${host}]` : host}:${info.broker.webSocketPort}${info.broker.path}`;
  } else {
    if (info.broker.tcpTls) die('the bench runs the node without TLS (web.tls: false)');
    brokerUrl = `mqtt://${host}:${info.broker.tcpPort}`;
  }
  nodeId = info.nodeId;
}

const CONNECT_CONTEXT = new TextEncoder().encode('switchboard/v1/connect');

/** A fresh P-256 key and its peer id (docs/protocol.md §1: base64url(SHA-256(SPKI DER))). */
async function newKey() {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  const id = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', spki)));
  return { keys, spki, id };
}

let plainCounter = 0;
/** Connects one client; resolves with it once CONNACK arrived. */
function connect(key) {
  return new Promise((resolve, reject) => {
    const options = { protocolVersion: 5, clean: true, keepalive: 60, reconnectPeriod: 0, connectTimeout: 30_000,
      rejectUnauthorized: false }; // only for wss: the node's self-signed certificate, on loopback
    if (key) {
      options.clientId = key.id;
      options.properties = { authenticationMethod: 'sb-key-v1', authenticationData: Buffer.from(key.spki) };
    } else {
      plainCounter += 1;
      options.clientId = `bench-${process.pid}-${plainCounter}`;
    }
    const client = mqtt.connect(brokerUrl, options);
    // MQTT.js leaves Nagle's algorithm on for TCP; a broker's answer would wait for the delayed
    // ACK (about 40 ms). Browsers' WebSockets and the brokers (Mosquitto's set_tcp_nodelay) send at once.
    client.stream?.setNoDelay?.(true);
    if (key) {
      // docs/protocol.md §3: sign "switchboard/v1/connect" 0x00 id 0x00 challenge.
      client.handleAuth = (packet, cb) => {
        const challenge = new Uint8Array(packet?.properties?.authenticationData || []);
        if (new TextDecoder().decode(challenge.subarray(32)) !== nodeId) {
          cb(new Error('the challenge names another node'));
          return;
        }
        const idBytes = new TextEncoder().encode(key.id);
        const statement = new Uint8Array(CONNECT_CONTEXT.length + 1 + idBytes.length + 1 + challenge.length);
        statement.set(CONNECT_CONTEXT, 0);
        statement.set(idBytes, CONNECT_CONTEXT.length + 1);
        statement.set(challenge, CONNECT_CONTEXT.length + 1 + idBytes.length + 1);
        crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.keys.privateKey, statement).then(
          (sig) => cb(null, { cmd: 'auth', reasonCode: 0x18,
            properties: { authenticationMethod: 'sb-key-v1', authenticationData: Buffer.from(sig) } }),
          (e) => cb(e));
      };
    }
    client.once('connect', () => resolve(client));
    client.once('error', (e) => {
      client.end(true);
      reject(e);
    });
  });
}

/** Runs `task(i)` for i in 0..count-1, `concurrency` at a time. */
async function inParallel(count, concurrency, task) {
  let next = 0;
  const results = new Array(count);
  const worker = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return results;
}

const subscribe = (client, topics) => client.subscribeAsync(topics, { qos: 1 }).then((granted) => {
  const refused = granted.filter((g) => g.qos >= 0x80);
  if (refused.length) throw new Error(`subscription refused: ${JSON.stringify(refused)}`);
});

// ---------------------------------------------------------------- what is exchanged

const size = Number(opt('size', '2000'));

/**
 * A session description of about `bytes` (RFC 8866): an audio section with enough codecs, the
 * ICE credentials and fingerprint the node requires (RFC 8839 §5.4, RFC 8122), a data section,
 * and two host candidates (which the node replaces with its relay).
 */
function sdp(role, bytes) {
  const ufrag = b64url(random(6)).replace(/[-_]/g, 'x');
  const pwd = b64url(random(18)).replace(/[-_]/g, 'y');
  const fp = Array.from(random(32), (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':');
  const head = ['v=0', `o=- ${Date.now()} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
    'a=extmap-allow-mixed', 'a=msid-semantic: WMS'];
  const audio = ['m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`, 'a=ice-options:trickle', `a=fingerprint:sha-256 ${fp}`,
    `a=setup:${role === 'offer' ? 'actpass' : 'active'}`, 'a=mid:0', 'a=sendrecv', 'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2', 'a=rtcp-fb:111 transport-cc', 'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2', 'a=fmtp:63 111/111', 'a=rtpmap:9 G722/8000', 'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000', 'a=rtpmap:13 CN/8000', 'a=rtpmap:110 telephone-event/48000',
    'a=rtpmap:126 telephone-event/8000',
    'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0',
    'a=candidate:2 1 udp 2122194687 127.0.0.2 50002 typ host generation 0'];
  const data = ['m=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', `a=ice-ufrag:${ufrag}`,
    `a=ice-pwd:${pwd}`, `a=fingerprint:sha-256 ${fp}`, `a=setup:${role === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:1', 'a=sctp-port:5000', 'a=max-message-size:262144'];
  const lines = [...head, ...audio];
  // Header extensions, as a browser writes them, until the description has about `bytes`.
  for (let n = 1; lines.join('\r\n').length + data.join('\r\n').length + 80 < bytes && n < 200; n++) {
    lines.push(`a=extmap:${(n % 14) + 1} urn:ietf:params:rtp-hdrext:bench-filler-${n}`);
  }
  return `${[...lines, ...data].join('\r\n')}\r\n`;
}

/** A pair of clients ready to exchange; `send(side, type)` publishes one message to the other side. */
async function makePair(i) {
  if (target === 'plain') {
    const a = await connect(null);
    const b = await connect(null);
    const topicA = `bench-${process.pid}-${i}-a`;
    const topicB = `bench-${process.pid}-${i}-b`;
    await subscribe(a, [topicA]);
    await subscribe(b, [topicB]);
    const offer = JSON.stringify({ type: 'offer', sdp: sdp('offer', size) });
    const answer = JSON.stringify({ type: 'answer', sdp: sdp('answer', size) });
    return {
      a, b,
      offer: () => a.publishAsync(topicB, offer, { qos: 1 }),
      answer: () => b.publishAsync(topicA, answer, { qos: 1 }),
      end: null,
      isOffer: (topic, payload) => topic === topicB && payload.length > 0,
      isAnswer: (topic, payload) => topic === topicA && payload.length > 0,
    };
  }
  const [ka, kb] = [await newKey(), await newKey()];
  const a = await connect(ka);
  const b = await connect(kb);
  const room = b64url(random(32));
  const presence = `sb/v1/room/${room}/presence`;
  await subscribe(a, [`sb/v1/inbox/${ka.id}`, presence]);
  await subscribe(b, [`sb/v1/inbox/${kb.id}`, presence]);
  const context = `room:${room}`;
  const description = (type) => JSON.stringify({ v: 1, type, context, sdp: sdp(type, size),
    sig: b64url(random(64)), mac: b64url(random(32)) });
  const offer = description('offer');
  const answer = description('answer');
  const hangup = JSON.stringify({ v: 1, type: 'hangup', context });
  return {
    a, b,
    offer: () => a.publishAsync(`sb/v1/inbox/${kb.id}`, offer, { qos: 1 }),
    answer: () => b.publishAsync(`sb/v1/inbox/${ka.id}`, answer, { qos: 1 }),
    end: flag('keep-sessions') ? null : () => a.publishAsync(`sb/v1/inbox/${kb.id}`, hangup, { qos: 1 }),
    // The node rewrote it: the relay's candidate replaced the host candidates (docs/protocol.md §8).
    isOffer: (topic, payload) => topic === `sb/v1/inbox/${kb.id}` && payload.includes('"type":"offer"'),
    isAnswer: (topic, payload) => topic === `sb/v1/inbox/${ka.id}` && payload.includes('"type":"answer"'),
    isError: (payload) => payload.includes('"type":"error"'),
  };
}

// ---------------------------------------------------------------- modes

async function exchange() {
  const pairsWanted = Number(opt('pairs', '100'));
  const seconds = Number(opt('seconds', '5'));
  const rate = Number(opt('rate', '0'));
  const warmup = Number(opt('warmup', '1'));
  log(`connecting ${pairsWanted} pairs (${target})`);
  const pairs = await inParallel(pairsWanted, 50, makePair);
  // Each pair's message handlers, installed once; they call the current phase's functions.
  for (const pair of pairs) {
    pair.b.on('message', (topic, payload) => {
      if (pair.isOffer(topic, payload)) pair.phase?.offered(payload);
      else if (pair.isError?.(payload)) pair.phase?.failed(payload, false);
    });
    pair.a.on('message', (topic, payload) => {
      if (pair.isAnswer(topic, payload)) pair.phase?.answered();
      else if (pair.isError?.(payload)) pair.phase?.failed(payload, true);
    });
  }
  // The warm-up: the same load, not measured, so that the generator's own JIT compilation (V8
  // compiles its publish and receive paths during the first few hundred milliseconds, using up to
  // a core of the machine) and every new connection's first messages are not part of the figures.
  // Pairs that did not finish it (a lost message) are left out of the measured phase.
  let warm = null;
  let measuredPairs = pairs;
  if (warmup > 0) {
    warm = await runPhase(pairs, warmup, rate);
    measuredPairs = pairs.filter((p) => p.finished);
  }
  const run = await runPhase(measuredPairs, seconds, rate);
  await Promise.all(pairs.flatMap((p) => [p.a, p.b]).map((c) => c.endAsync(true).catch(() => {})));
  const result = { mode, target, pairs: pairs.length, measured_pairs: measuredPairs.length, size, rate, seconds: round3(run.elapsed),
    exchanges: run.exchanges, exchanges_per_s: round3(run.exchanges / Math.min(run.elapsed, seconds)),
    p50_ms: round3(percentile(run.latencies, 0.5)), p99_ms: round3(percentile(run.latencies, 0.99)),
    max_ms: round3(run.latencies.at(-1) ?? null), errors: run.errors, first_error: run.firstError,
    unrewritten_offers: run.unchanged };
  if (warm) {
    Object.assign(result, { warmup_s: warmup, warmup_exchanges: warm.exchanges,
      warmup_p50_ms: round3(percentile(warm.latencies, 0.5)), warmup_p99_ms: round3(percentile(warm.latencies, 0.99)),
      warmup_errors: warm.errors, warmup_unfinished_pairs: pairs.length - measuredPairs.length });
    result.first_error ??= warm.firstError;
  }
  return result;
}

/**
 * One phase of exchanges: every pair closed loop (rate 0) or on a fixed schedule (rate R over all
 * pairs) for `seconds`; resolves when every pair's last exchange ended, or 5 s after that at most
 * (an exchange lost on the way would stall its pair). Sets `pair.finished` for the pairs that ended.
 */
async function runPhase(pairs, seconds, rate) {
  const latencies = [];
  const MAX_SAMPLES = 2_000_000;
  const out = { latencies, exchanges: 0, errors: 0, firstError: null, unchanged: 0, elapsed: 0 };
  let running = true;
  const started = performance.now();
  const until = started + seconds * 1000;
  const interval = rate > 0 ? (pairs.length / rate) * 1000 : 0;
  // Errors once the phase is over (publishes cut off by closing the clients) are not counted.
  const countError = (e) => {
    if (!running) return;
    out.errors += 1;
    out.firstError ??= e.message;
  };

  const perPair = pairs.map((pair, i) => new Promise((resolve) => {
    pair.finished = false;
    let sentAt = 0;
    let due = started + (interval * i) / pairs.length;
    const next = () => {
      if (!running || performance.now() >= until) {
        pair.phase = null;
        pair.finished = true;
        resolve();
        return;
      }
      if (interval > 0) {
        const wait = due - performance.now();
        if (wait > 0) {
          setTimeout(go, wait);
          return;
        }
      }
      go();
    };
    const go = () => {
      // A late start counts from `due` (the wait for the generator is part of the latency); Node's
      // timers may also fire a little before their time (the loop's millisecond clock): then the
      // exchange starts now, not at the later `due`, or a latency below zero would be counted.
      sentAt = interval > 0 ? Math.min(due, performance.now()) : performance.now();
      due += interval;
      pair.offer().catch(countError);
    };
    pair.phase = {
      offered(payload) {
        if (payload.includes('127.0.0.1 50000 typ host')) out.unchanged += 1;
        pair.answer().catch(countError);
      },
      answered() {
        const now = performance.now();
        if (latencies.length < MAX_SAMPLES) latencies.push(now - sentAt);
        out.exchanges += 1;
        const after = pair.end ? pair.end() : Promise.resolve();
        after.then(next, (e) => { countError(e); next(); });
      },
      failed(payload, ends) {
        if (running) {
          out.errors += 1;
          out.firstError ??= payload.toString('utf8').slice(0, 300);
        }
        if (ends) next();
      },
    };
    next();
  }));
  let deadline;
  await Promise.race([Promise.all(perPair), new Promise((resolve) => { deadline = setTimeout(resolve, seconds * 1000 + 5000); })]);
  clearTimeout(deadline);
  running = false;
  for (const pair of pairs) pair.phase = null;
  out.elapsed = (performance.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  return out;
}

/** See `first` in the header: a fresh pair's first offer over the node's WebSocket listener. */
async function firstMode() {
  const count = Number(opt('count', '30'));
  const warm = Number(opt('warmup-count', '10'));
  const times = [];
  for (let i = 0; i < warm + count; i++) {
    const [ka, kb] = [await newKey(), await newKey()];
    const room = b64url(random(32));
    const presence = `sb/v1/room/${room}/presence`;
    const b = await connect(kb);
    const a = await connect(ka).catch((e) => { b.end(true); throw e; });
    try {
      await subscribe(b, [`sb/v1/inbox/${kb.id}`, presence]);
      await subscribe(a, [`sb/v1/inbox/${ka.id}`, presence]);
      const offer = JSON.stringify({ v: 1, type: 'offer', context: `room:${room}`, sdp: sdp('offer', size),
        sig: b64url(random(64)), mac: b64url(random(32)) });
      let timer;
      const arrived = new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`pair ${i}: the offer did not reach B within 10 s`)), 10_000);
        b.on('message', (topic, payload) => {
          if (topic === `sb/v1/inbox/${kb.id}` && payload.includes('"type":"offer"')) resolve(performance.now());
        });
        a.on('message', (topic, payload) => {
          if (payload.includes('"type":"error"')) reject(new Error(`pair ${i}: ${payload.toString('utf8').slice(0, 300)}`));
        });
      });
      const sent = performance.now();
      a.publishAsync(`sb/v1/inbox/${kb.id}`, offer, { qos: 1 }).catch(() => {}); // an error comes as a message too
      const at = await arrived.finally(() => clearTimeout(timer));
      if (i >= warm) times.push(at - sent);
    } finally {
      await Promise.all([a.endAsync(true).catch(() => {}), b.endAsync(true).catch(() => {})]);
    }
  }
  times.sort((x, y) => x - y);
  return { mode, target, transport: brokerUrl.split(':')[0], count, warmup_count: warm, size,
    p50_ms: round3(percentile(times, 0.5)), p99_ms: round3(percentile(times, 0.99)), max_ms: round3(times.at(-1) ?? null) };
}

async function connectMany(count, concurrency) {
  const keys = target === 'switchboard' ? await inParallel(count, 64, () => newKey()) : [];
  const times = [];
  const started = performance.now();
  const clients = await inParallel(count, concurrency, async (i) => {
    const t0 = performance.now();
    const c = await connect(keys[i] || null);
    times.push(performance.now() - t0);
    return c;
  });
  const elapsed = (performance.now() - started) / 1000;
  times.sort((x, y) => x - y);
  return { clients, keys, elapsed, times };
}

async function connectMode() {
  const count = Number(opt('count', '1000'));
  const concurrency = Number(opt('concurrency', '50'));
  const { clients, elapsed, times } = await connectMany(count, concurrency);
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
  return { mode, target, count, concurrency, seconds: round3(elapsed), connects_per_s: round3(count / elapsed),
    p50_ms: round3(percentile(times, 0.5)), p99_ms: round3(percentile(times, 0.99)) };
}

async function idleMode() {
  const count = Number(opt('count', '1000'));
  const concurrency = Number(opt('concurrency', '50'));
  const { clients, keys, elapsed } = await connectMany(count, concurrency);
  const room = b64url(random(32));
  await inParallel(count, 100, (i) => (target === 'switchboard'
    ? subscribe(clients[i], [`sb/v1/inbox/${keys[i].id}`, `sb/v1/room/${room}/presence`])
    : subscribe(clients[i], [`bench-idle-${process.pid}-${i}`])));
  process.stdout.write(`${JSON.stringify({ up: count, seconds: round3(elapsed) })}\n`);
  await new Promise((resolve) => {
    process.stdin.on('end', resolve);
    process.stdin.on('close', resolve);
    process.stdin.resume();
  });
  clients.forEach((c) => c.end(true));
  return null;
}

try {
  const result = mode === 'exchange' ? await exchange() : mode === 'connect' ? await connectMode()
    : mode === 'first' ? await firstMode() : await idleMode();
  if (result) process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (e) {
  die(e?.stack || String(e));
}
