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
