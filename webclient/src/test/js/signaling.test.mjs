// Unit tests of signaling.js's subscriptions: QoS 1 with MQTT 5 No Local, so the broker never
// echoes a client's own messages (its join on presence) back over the WebSocket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
// the browser build of MQTT.js reads navigator while loading (Node 20 has none)
globalThis.navigator ??= { userAgent: 'node' };
const { Signaling } = await import(js('signaling.js'));

/** An MQTT.js client stand-in that grants every subscription and records the options. */
function fakeClient() {
  const calls = [];
  return {
    calls,
    on() {},
    subscribe(topic, options, callback) {
      calls.push({ topic, options });
      if (callback) callback(null, [{ topic, qos: 1 }]);
    },
    unsubscribe() {},
  };
}

test('subscriptions ask for QoS 1 and No Local, also when resubscribing after a reconnect', async () => {
  const client = fakeClient();
  const signaling = new Signaling(client);
  await signaling.subscribe('sb/v1/room/r/presence', () => {});
  assert.deepEqual(client.calls, [{ topic: 'sb/v1/room/r/presence', options: { qos: 1, nl: true } }]);
  signaling.resubscribe();
  assert.deepEqual(client.calls[1], { topic: 'sb/v1/room/r/presence', options: { qos: 1, nl: true } });
});

/** A client stand-in for subscriptions of several topics: records each SUBSCRIBE, answers with `reasons` (topic → SUBACK code). */
function multiClient(reasons = {}) {
  const packets = [];
  const unsubscribed = [];
  return {
    packets,
    unsubscribed,
    on() {},
    subscribe(topics, callback) {
      packets.push(topics);
      callback(null, Object.keys(topics).map((topic) => ({ topic, qos: reasons[topic] ?? 1 })));
    },
    unsubscribe(topic) {
      unsubscribed.push(topic);
    },
  };
}

test('subscribeAll: the inbox and presence in one SUBSCRIBE (QoS 1, No Local); a topic already subscribed is not asked for again', async () => {
  const client = multiClient();
  const signaling = new Signaling(client);
  const got = [];
  const [inbox, presence] = await signaling.subscribeAll([
    ['sb/v1/inbox/me', (m) => got.push(['inbox', m.type])],
    ['sb/v1/room/r/presence', (m) => got.push(['presence', m.type])],
  ]);
  assert.deepEqual(client.packets, [{ 'sb/v1/inbox/me': { qos: 1, nl: true }, 'sb/v1/room/r/presence': { qos: 1, nl: true } }]);
  const packet = () => ({ properties: { userProperties: { 'sb-sender': 'someone' } } });
  signaling.dispatch('sb/v1/room/r/presence', new TextEncoder().encode('{"v":1,"type":"join"}'), packet());
  signaling.dispatch('sb/v1/inbox/me', new TextEncoder().encode('{"v":1,"type":"hello"}'), packet());
  assert.deepEqual(got, [['presence', 'join'], ['inbox', 'hello']]);

  await signaling.subscribeAll([['sb/v1/inbox/me', () => {}], ['sb/v1/room/s/presence', () => {}]]);
  assert.deepEqual(client.packets[1], { 'sb/v1/room/s/presence': { qos: 1, nl: true } }, 'only the new topic');
  presence();
  assert.deepEqual(client.unsubscribed, ['sb/v1/room/r/presence']);
  inbox();
  assert.deepEqual(client.unsubscribed, ['sb/v1/room/r/presence'], 'the inbox keeps its other handler');
});

test('subscribeAll: a refused topic rejects naming it, and leaves nothing subscribed', async () => {
  const client = multiClient({ 'sb/v1/room/r/presence': 0x87 });
  const signaling = new Signaling(client);
  await assert.rejects(signaling.subscribeAll([['sb/v1/inbox/me', () => {}], ['sb/v1/room/r/presence', () => {}]]),
    /refused the subscription to sb\/v1\/room\/r\/presence \(reason 135\)/);
  assert.deepEqual(client.unsubscribed, ['sb/v1/inbox/me'], 'the granted one is given back, the refused one was never there');
  assert.equal(signaling.handlers.size, 0);
});

test('connections assign MQTT 5 topic aliases (a repeated topic is sent once per connection)', async () => {
  const { connectOptions, AUTH_METHOD } = await import(js('signaling.js'));
  const o = connectOptions({ id: 'x'.repeat(43), spki: new Uint8Array([1, 2, 3]) });
  assert.equal(o.autoAssignTopicAlias, true);
  assert.equal(o.protocolVersion, 5);
  assert.equal(o.clientId, 'x'.repeat(43));
  assert.equal(o.properties.authenticationMethod, AUTH_METHOD);
  assert.deepEqual([...o.properties.authenticationData], [1, 2, 3]);
});

/**
 * A real MQTT.js client (the browser build the page loads) on an in-memory stream, connected (a
 * CONNACK fed in): what it writes, one array of bytes per write call.
 */
async function connectedMqttClient() {
  const { Duplex } = await import('node:stream');
  const mqtt = (await import(js('../vendor/mqtt.esm.js'))).default;
  const written = [];
  const stream = new Duplex({
    // writev: what a cork gathered leaves as one write, as the page's WebSocket stream does (one frame).
    writev(chunks, callback) {
      written.push(Buffer.concat(chunks.map((c) => c.chunk)));
      callback();
    },
    write(chunk, encoding, callback) {
      written.push(Buffer.from(chunk));
      callback();
    },
    read() {},
  });
  const client = new mqtt.MqttClient(() => stream, { protocolVersion: 5, clientId: 'c', reconnectPeriod: 0, keepalive: 0 });
  const connected = new Promise((resolve) => { client.once('connect', resolve); });
  stream.push(Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00])); // CONNACK, MQTT 5, success, no properties
  await connected;
  written.length = 0;
  return { client, written };
}

test('a publish and a subscribe are written in the caller\'s task, each as one write (not on MQTT.js\'s setTimeout tick)', async () => {
  const { client, written } = await connectedMqttClient();
  const signaling = new Signaling(client);
  try {
    const subscribed = signaling.subscribeAll([['sb/v1/inbox/me', () => {}], ['sb/v1/room/r/presence', () => {}]]);
    subscribed.catch(() => {});
    assert.equal(written.length, 1, 'the SUBSCRIBE is written before subscribeAll returns');
    assert.equal(written[0][0], 0x82, 'SUBSCRIBE');
    const published = signaling.publish('sb/v1/room/r/presence', { v: 1, type: 'join' });
    published.catch(() => {});
    assert.equal(written.length, 2, 'the PUBLISH is written before publish returns');
    assert.equal(written[1][0] & 0xf0, 0x30, 'PUBLISH');
    assert.ok(written[1].includes(Buffer.from('{"v":1,"type":"join"}')), 'the whole packet in that one write');
    await new Promise((resolve) => { setTimeout(resolve, 20); });
    assert.equal(written.length, 2, 'MQTT.js\'s own uncork later writes nothing more');
  } finally {
    client.end(true);
  }
});
