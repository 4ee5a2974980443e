// Unit tests of ui/call-view.js's hub: what a page reports reaches every subscribed view, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const { createHub } = await import(js('ui/call-view.js'));

test('a hub forwards peers, messages and notices to its subscribers, and unsubscribe stops them', () => {
  const sessions = { p1: { id: 'session-1' } };
  const hub = createHub({ name: 'Ann', session: (id) => sessions[id] ?? null });
  assert.equal(hub.link.name, 'Ann');
  assert.deepEqual(hub.link.peers(), []);
  const seen = [];
  const off = hub.link.subscribe((e) => seen.push(e.kind));
  hub.peers([{ id: 'p1', state: 'connected' }]);
  hub.message({ id: 'p1' }, 'chat', { type: 'chat', id: 'x', text: 'hi' });
  hub.notice('Bob left');
  assert.deepEqual(seen, ['peers', 'message', 'notice']);
  assert.equal(hub.link.peers()[0].id, 'p1');
  assert.equal(hub.link.session('p1').id, 'session-1');
  assert.equal(hub.link.session('nobody'), null);
  off();
  hub.notice('unheard');
  assert.equal(seen.length, 3);
});

test('a failing subscriber does not stop the others', () => {
  const hub = createHub({ name: 'Ann', session: () => null });
  const seen = [];
  const origError = console.error;
  console.error = () => {};
  try {
    hub.link.subscribe(() => { throw new Error('boom'); });
    hub.link.subscribe((e) => seen.push(e.text));
    hub.notice('still delivered');
  } finally {
    console.error = origError;
  }
  assert.deepEqual(seen, ['still delivered']);
});
