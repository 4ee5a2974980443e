// Unit tests of discovery.js with a fake fetch: which node a page talks to (docs/protocol.md §2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const { discoverNode, brokerUrl, iceServers } = await import(js('discovery.js'));

const INFO = {
  v: 1, nodeId: 'N'.repeat(43), broker: { webSocketPort: 8444, path: '/mqtt', tls: true },
  stun: { host: '127.0.0.1', port: 3478 }, relay: { host: '127.0.0.1' },
};

/** A fetch that serves `docs` (URL → JSON) and records every URL asked for. */
function fakeFetch(docs) {
  const asked = [];
  const fetch = async (url) => {
    asked.push(String(url));
    const doc = docs[String(url)];
    return doc === undefined ? { ok: false, status: 404 } : { ok: true, status: 200, json: async () => doc };
  };
  return { fetch, asked };
}

test('a node\'s own page reads node-info.json beside it, under its path prefix', async () => {
  const { fetch, asked } = fakeFetch({ 'https://node.test:8443/h1dden/node-info.json': INFO });
  const node = await discoverNode({ href: 'https://node.test:8443/h1dden/index.html', fetch });
  assert.deepEqual(asked, ['https://node.test:8443/h1dden/node-info.json']);
  assert.equal(node.brokerUrl, 'wss://node.test:8444/mqtt');
  assert.deepEqual(node.iceServers, [{ urls: 'stun:127.0.0.1:3478' }]);
  assert.equal(node.relayHost, '127.0.0.1');
  assert.equal(node.info.nodeId, INFO.nodeId);
});

test('a node\'s own page ignores ?node= (a crafted link cannot move its sign-in elsewhere)', async () => {
  const { fetch, asked } = fakeFetch({
    'https://node.test/node-info.json': INFO,
    'https://evil.test/node-info.json': { ...INFO, nodeId: 'E'.repeat(43) },
  });
  const node = await discoverNode({ href: 'https://node.test/?node=https://evil.test/', fetch });
  assert.equal(node.info.nodeId, INFO.nodeId);
  assert.equal(node.base.origin, 'https://node.test');
  assert.deepEqual(asked, ['https://node.test/node-info.json']);
});

test('a page hosted elsewhere follows ?node=, and the broker is on the named node\'s host', async () => {
  const { fetch } = fakeFetch({ 'http://127.0.0.1:9000/node-info.json': { ...INFO, broker: { ...INFO.broker, tls: false } } });
  const node = await discoverNode({ href: 'http://static.test/app/?node=http://127.0.0.1:9000/', fetch });
  assert.equal(node.brokerUrl, 'ws://127.0.0.1:8444/mqtt');
});

test('no node-info.json and no usable ?node=: a clear error naming the problem', async () => {
  const { fetch } = fakeFetch({});
  await assert.rejects(discoverNode({ href: 'https://static.test/', fetch }), /node-info.json: HTTP 404/);
  await assert.rejects(discoverNode({ href: 'https://static.test/?node=nope', fetch }), /\?node=nope is not a URL/);
  await assert.rejects(discoverNode({ href: 'https://static.test/?node=ftp://x/', fetch }), /not an http\(s\) URL/);
  await assert.rejects(discoverNode({ href: 'https://static.test/?node=https://n.test/', fetch }), /at https:\/\/n.test: HTTP 404/);
  const unreachable = async () => { throw new TypeError('network'); };
  await assert.rejects(discoverNode({ href: 'https://static.test/', fetch: unreachable }), /unreachable/);
  const { fetch: partial } = fakeFetch({ 'https://node.test/node-info.json': { nodeId: 'x' } });
  await assert.rejects(discoverNode({ href: 'https://node.test/', fetch: partial }), /lacks/);
});

test('IPv6 literals are bracketed in the broker URL and the STUN server', () => {
  assert.equal(brokerUrl(INFO, new URL('https://[::1]:8443/')), 'wss://[::1]:8444/mqtt');
  assert.deepEqual(iceServers({ ...INFO, stun: { host: '::1', port: 3478 } }), [{ urls: 'stun:[::1]:3478' }]);
});
