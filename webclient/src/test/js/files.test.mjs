// Unit tests of files.js: two FileTransfers talk through fake channels that buffer and drain like
// an RTCDataChannel (bufferedAmount, bufferedamountlow), with every message round-tripped through
// protocol.readChannelMessage as a real channel would deliver it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const { FileTransfers, progressOf } = await import(js('files.js'));
const protocol = await import(js('protocol.js'));

/** A channel that drains `drainBytes` every millisecond-ish tick to its peer. */
class FakeChannel extends EventTarget {
  constructor() {
    super();
    this.readyState = 'open';
    this.bufferedAmount = 0;
    this.bufferedAmountLowThreshold = 0;
    this.queue = [];
    this.peer = null;
  }

  send(data) {
    const copy = typeof data === 'string' ? data : new Uint8Array(data);
    this.bufferedAmount += typeof data === 'string' ? data.length : data.byteLength;
    this.queue.push(copy);
    this.schedule();
  }

  schedule() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      let budget = 256 * 1024;
      while (this.queue.length && budget > 0) {
        const d = this.queue.shift();
        const n = typeof d === 'string' ? d.length : d.byteLength;
        budget -= n;
        const before = this.bufferedAmount;
        this.bufferedAmount -= n;
        if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) {
          this.dispatchEvent(new Event('bufferedamountlow'));
        }
        const m = protocol.readChannelMessage('file', d);
        assert.ok(m, 'every message is valid on the file channel');
        this.peer.receive(m);
      }
      if (this.queue.length) this.schedule();
    }, 1);
  }
}

function pair(options = {}) {
  const ca = new FakeChannel();
  const cb = new FakeChannel();
  const events = { a: [], b: [] };
  const session = (ch) => ({ send: (label, m) => { ch.send(m instanceof Uint8Array ? m : JSON.stringify(m)); return true; }, channel: () => ch });
  const a = new FileTransfers({ session: session(ca), onChange: (t) => events.a.push([t.id, t.state]), ...options });
  const b = new FileTransfers({ session: session(cb), onChange: (t) => events.b.push([t.id, t.state]), ...options });
  ca.peer = b;
  cb.peer = a;
  return { a, b, ca, events };
}

const until = async (cond, what) => {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), what);
};

function fileOf(name, size) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 10)) & 0xff;
  const f = new Blob([bytes]);
  f.name = name;
  return { f, sha: createHash('sha256').update(bytes).digest('hex') };
}

test('several files: one accepted arrives whole and verified, one refused, backpressure held', async () => {
  const { a, b } = pair({ highWaterMark: 256 * 1024, lowWaterMark: 64 * 1024 });
  const big = fileOf('big.bin', 3 * 1024 * 1024 + 123);
  const other = fileOf('other.txt', 10);
  const [tBig, tOther] = a.offer([big.f, other.f]);
  await until(() => b.list().length === 2, 'both offers arrive');
  assert.deepEqual(b.list().map((t) => [t.name, t.size, t.state]), [['big.bin', big.f.size, 'offered'], ['other.txt', 10, 'offered']]);
  b.refuse(tOther.id);
  assert.ok(b.accept(tBig.id));
  await until(() => b.transfers.get(tBig.id).state === 'done', 'the big file arrives');
  assert.equal(b.transfers.get(tBig.id).sha256, big.sha);
  assert.equal(b.transfers.get(tBig.id).expectedSha256, big.sha);
  assert.equal(a.transfers.get(tBig.id).state, 'sent');
  assert.equal(a.transfers.get(tBig.id).sha256, big.sha);
  assert.ok(a.transfers.get(tBig.id).maxBuffered <= 256 * 1024, `maxBuffered ${a.transfers.get(tBig.id).maxBuffered}`);
  await until(() => a.transfers.get(tOther.id).state === 'refused', 'the sender learns the refusal');
  assert.match(b.transfers.get(tBig.id).url, /^blob:/);
});

test('the receiver cancels mid-way: both sides stop, the next file still goes through', async () => {
  const { a, b } = pair({ highWaterMark: 128 * 1024, lowWaterMark: 32 * 1024 });
  const one = fileOf('one.bin', 2 * 1024 * 1024);
  const two = fileOf('two.bin', 50000);
  const [t1, t2] = a.offer([one.f, two.f]);
  await until(() => b.list().length === 2, 'offers arrive');
  b.accept(t1.id);
  b.accept(t2.id);
  await until(() => b.transfers.get(t1.id).bytes > 100000, 'the first is under way');
  b.cancel(t1.id);
  assert.equal(b.transfers.get(t1.id).state, 'cancelled');
  await until(() => a.transfers.get(t1.id).state === 'cancelled', 'the sender stops');
  assert.equal(a.transfers.get(t1.id).cancelledByPeer, true);
  await until(() => b.transfers.get(t2.id).state === 'done', 'the second arrives');
  assert.equal(b.transfers.get(t2.id).sha256, two.sha);
});

test('a wrong digest fails the transfer and offers nothing to save', async () => {
  const { a, b, ca } = pair();
  // On the way, the sender's end message gets another digest.
  ca.peer = { receive: (m) => b.receive(m.type === 'file-end' ? { ...m, sha256: '00'.repeat(32) } : m) };
  const f = fileOf('x.bin', 1000);
  const [t] = a.offer([f.f]);
  await until(() => b.list().length === 1, 'offer arrives');
  b.accept(t.id);
  await until(() => b.transfers.get(t.id).state === 'failed', 'refused to offer it');
  assert.equal(b.transfers.get(t.id).failure, 'mismatch');
  assert.equal(b.transfers.get(t.id).url, null);
});

test('progressOf: fraction, rate and time left', () => {
  assert.deepEqual(progressOf(500, 1000, 1000), { fraction: 0.5, bytesPerSecond: 500, secondsLeft: 1 });
  assert.deepEqual(progressOf(0, 1000, 0), { fraction: 0, bytesPerSecond: 0, secondsLeft: null });
  assert.equal(progressOf(0, 0, 10).fraction, 1);
});
