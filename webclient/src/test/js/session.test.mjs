// Unit tests of session.js's start: the offer is begun when the session starts, not a task later
// on negotiationneeded (issue 13: that event came behind a redraw, 5-10 ms at load).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const { Session, prepareConnection } = await import(js('session.js'));

/** An RTCPeerConnection stand-in: records calls; setLocalDescription stays pending (no SDP is needed). */
function fakeConnection() {
  const calls = [];
  return {
    calls,
    signalingState: 'stable',
    localDescription: null,
    createDataChannel(label) {
      calls.push(`channel ${label}`);
      return { label, readyState: 'connecting', binaryType: 'blob', close() {} };
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

test('a connection made ahead comes with the three channels; the session adopts them, creates none, and still offers only when started', async () => {
  const made = [];
  globalThis.RTCPeerConnection = class {
    static async generateCertificate() { return { expires: Date.now() + 1e9 }; }
    constructor(config) {
      Object.assign(this, fakeConnection());
      this.config = config;
      made.push(this);
    }
  };
  try {
    const pc = await prepareConnection([]);
    assert.equal(made.length, 1);
    assert.ok(pc.config.certificates?.length === 1, 'the certificate made ahead is given to the connection');
    assert.deepEqual(pc.calls, ['channel control', 'channel chat', 'channel file']);
    // Taken by a session that does not start (it answers): nothing is offered, nothing created,
    // not even when the channels' negotiationneeded comes only now.
    const answering = session(pc);
    pc.onnegotiationneeded();
    await new Promise((resolve) => { setImmediate(resolve); });
    assert.deepEqual(pc.calls, ['channel control', 'channel chat', 'channel file']);
    assert.ok(['control', 'chat', 'file'].every((l) => answering.channels.get(l)?.binaryType === 'arraybuffer'), 'adopted');
    assert.equal(typeof answering.channels.get('control').onopen, 'function', 'the control channel opens the session');
    answering.close();

    // Taken by a session that starts: the offer begins at once, with no channel created again.
    const pc2 = await prepareConnection([]);
    const offering = session(pc2);
    offering.start();
    await new Promise((resolve) => { setImmediate(resolve); });
    assert.deepEqual(pc2.calls, ['channel control', 'channel chat', 'channel file', 'setLocalDescription']);
    offering.close();
  } finally {
    delete globalThis.RTCPeerConnection;
  }
});

test('a channel that cannot be made ahead is made by the session; those made ahead are not made twice', async () => {
  globalThis.RTCPeerConnection = class {
    static async generateCertificate() { return {}; }
    constructor() {
      Object.assign(this, fakeConnection());
      const create = this.createDataChannel;
      let failed = false;
      this.createDataChannel = (label) => {
        if (label === 'chat' && !failed) {
          failed = true;
          throw new Error('no channel now');
        }
        return create.call(this, label);
      };
    }
  };
  try {
    const pc = await prepareConnection([]);
    assert.deepEqual(pc.calls, ['channel control']);
    const s = session(pc);
    s.start();
    await new Promise((resolve) => { setImmediate(resolve); });
    assert.deepEqual(pc.calls, ['channel control', 'channel chat', 'channel file', 'setLocalDescription']);
    assert.deepEqual([...s.channels.keys()].sort(), ['chat', 'control', 'file']);
    s.close();
  } finally {
    delete globalThis.RTCPeerConnection;
  }
});
