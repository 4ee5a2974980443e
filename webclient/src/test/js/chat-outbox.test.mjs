// Unit tests of chat-outbox.js: receipts, resends on a new session, and exactly-once display.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const { ChatOutbox } = await import(js('chat-outbox.js'));

test('a line is sent, then delivered once its target confirms it', () => {
  let now = 1000;
  const box = new ChatOutbox({ now: () => now });
  const s1 = {};
  box.add('m1', 'hi', ['bob']);
  assert.equal(box.state('m1'), 'retrying', 'not handed to any session yet');
  assert.deepEqual(box.due('bob', s1).map((l) => l.id), ['m1']);
  box.sent('m1', 'bob', s1);
  assert.equal(box.state('m1'), 'sent');
  assert.deepEqual(box.due('bob', s1), [], 'never handed twice to one session');
  now += 4000;
  assert.equal(box.state('m1'), 'retrying', 'no receipt within the retry delay');
  assert.equal(box.confirm('m1', 'bob'), true);
  assert.equal(box.confirm('m1', 'bob'), false, 'a second receipt changes nothing');
  assert.equal(box.confirm('m1', 'eve'), false, 'not a target');
  assert.equal(box.state('m1'), 'delivered');
  assert.equal(box.state('nope'), null);
});

test('after a drop, unconfirmed lines go again on the new session, in the order written', () => {
  const box = new ChatOutbox({ now: () => 0 });
  const old = {};
  const fresh = {};
  for (const id of ['a', 'b', 'c']) {
    box.add(id, id, ['bob']);
    box.sent(id, 'bob', old);
  }
  box.confirm('a', 'bob');
  box.add('d', 'd', ['bob']); // written while the channel was closed: never handed over
  assert.deepEqual(box.due('bob', old).map((l) => l.id), ['d']);
  assert.deepEqual(box.due('bob', fresh).map((l) => l.id), ['b', 'c', 'd']);
});

test('a line for two peers is delivered when both confirm; a peer that left no longer counts', () => {
  const box = new ChatOutbox({ now: () => 0 });
  box.add('m', 'x', ['bob', 'eve']);
  box.sent('m', 'bob', {});
  box.sent('m', 'eve', {});
  box.confirm('m', 'bob');
  assert.equal(box.state('m'), 'sent');
  assert.deepEqual(box.retain(new Set(['bob'])), ['m']);
  assert.equal(box.state('m'), 'delivered');
  box.add('n', 'y', ['eve']);
  box.retain(new Set());
  assert.equal(box.state('n'), 'undelivered');
});

test('received lines: the first copy is shown, copies are not, per peer; memory is bounded', () => {
  const box = new ChatOutbox({ maxSeen: 3 });
  assert.equal(box.firstTime('bob', 'm1'), true);
  assert.equal(box.firstTime('bob', 'm1'), false);
  assert.equal(box.firstTime('eve', 'm1'), true, 'ids are per sender');
  for (const id of ['m2', 'm3', 'm4']) box.firstTime('bob', id);
  assert.equal(box.seen.get('bob').size, 3);
});

test('the outbox keeps at most maxLines lines', () => {
  const box = new ChatOutbox({ maxLines: 2, now: () => 0 });
  for (const id of ['a', 'b', 'c']) box.add(id, id, ['bob']);
  assert.equal(box.lines.size, 2);
  assert.deepEqual([...box.lines.keys()], ['b', 'c']);
});
