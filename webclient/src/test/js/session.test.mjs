// Unit tests of session.js's start: the offer is begun when the session starts, not a task later
// on negotiationneeded (issue 13: that event came behind a redraw, 5-10 ms at load).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const { Session } = await import(js('session.js'));

/** An RTCPeerConnection stand-in: records calls; setLocalDescription stays pending (no SDP is needed). */
function fakeConnection() {
  const calls = [];
  return {
    calls,
    signalingState: 'stable',
    localDescription: null,
    createDataChannel(label) {
      calls.push(`channel ${label}`);
      return { label, readyState: 'connecting', close() {} };
    },
    setLocalDescription() {
      calls.push('setLocalDescription');
      return new Promise(() => {});
    },
    close() {
      calls.push('close');
    },
  };
}

function session(pc) {
  return new Session({
    identity: { id: 'a' }, nonce: 'n', peer: { id: 'b', key: null, nonce: 'm' }, context: 'room:r', polite: false,
    iceServers: [], signal: async () => {}, pc,
  });
}

test('start begins the offer at once, without waiting for negotiationneeded; the event then adds no second offer', async () => {
  const pc = fakeConnection();
  const s = session(pc);
  s.start();
  assert.equal(s.state, 'connecting');
  await new Promise((resolve) => { setImmediate(resolve); }); // every microtask has run, no task
  assert.equal(pc.calls.filter((c) => c === 'setLocalDescription').length, 1, pc.calls.join(', '));
  assert.ok(pc.calls.indexOf('setLocalDescription') > pc.calls.findLastIndex((c) => c.startsWith('channel ')), 'after the channels');
  pc.onnegotiationneeded();
  s.start();
  await new Promise((resolve) => { setImmediate(resolve); });
  assert.equal(pc.calls.filter((c) => c === 'setLocalDescription').length, 1, 'still one offer being made');
  s.close();
});
