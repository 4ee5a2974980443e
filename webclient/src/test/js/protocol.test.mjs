// Unit tests of protocol.js: the constructors build the shapes docs/protocol.md gives, field by
// field, and the checks turn anything malformed into null.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const p = await import(js('protocol.js'));

const ROOM = 'dUoy5J-MmiedI59HMGJ-CWo_CBn1daEtwTOjbDSFFHk';
const ANN = 'Tz4kWm2YcQ8rVn7JbL5eXa0dFg3HsKp6uR1iOyZtNvC';
const NONCE = 'q3Vw1bM7cXrT9kLp2sYd0g';

test('topics and contexts: spelled as in §4 and §6, and only from well-formed ids', () => {
  assert.equal(p.presenceTopic(ROOM), `sb/v1/room/${ROOM}/presence`);
  assert.equal(p.inboxTopic(ANN), `sb/v1/inbox/${ANN}`);
  assert.equal(p.roomContext(ROOM), `room:${ROOM}`);
  assert.equal(p.callContext('c4ll-1'), 'call:c4ll-1');
  assert.throws(() => p.presenceTopic('+'), TypeError);
  assert.throws(() => p.inboxTopic(`${ANN}/#`), TypeError);
  assert.throws(() => p.roomContext('short'), TypeError);
  assert.throws(() => p.callContext('x\ny'), TypeError);
  assert.throws(() => p.callContext('a'.repeat(65)), TypeError);
});

const BOX = 'b'.repeat(40);
const MAC = 'm'.repeat(43);

test('join, hello, leave: exactly the fields of §5, names only inside the box', () => {
  assert.deepEqual(p.join({ key: 'MFkw', nonce: NONCE, box: BOX }), { v: 1, type: 'join', key: 'MFkw', nonce: NONCE, box: BOX });
  assert.deepEqual(p.hello({ room: ROOM, key: 'MFkw', nonce: NONCE, box: BOX, mac: MAC }),
    { v: 1, type: 'hello', room: ROOM, key: 'MFkw', nonce: NONCE, box: BOX, mac: MAC });
  assert.equal('name' in p.join({ key: 'MFkw', nonce: NONCE, box: BOX, name: 'Ann' }), false);
  // A client of the node may leave its key out: the node adds the key it saw at CONNECT (§5).
  assert.deepEqual(p.join({ nonce: NONCE, box: BOX }), { v: 1, type: 'join', nonce: NONCE, box: BOX });
  assert.deepEqual(p.hello({ room: ROOM, nonce: NONCE, box: BOX, mac: MAC }), { v: 1, type: 'hello', room: ROOM, nonce: NONCE, box: BOX, mac: MAC });
  assert.deepEqual(p.leave(), { v: 1, type: 'leave' });
});

test('readAnnouncement: accepts join and hello with their box (and mac), ignores a clear name', () => {
  assert.deepEqual(p.readAnnouncement({ v: 1, type: 'join', key: 'MFkw', nonce: NONCE, box: BOX, name: 'Ann' }, ANN),
    { key: 'MFkw', nonce: NONCE, box: BOX, offerFirst: false });
  assert.deepEqual(p.readAnnouncement({ type: 'hello', room: ROOM, key: 'MFkw', nonce: NONCE, box: BOX, mac: MAC }, ANN),
    { key: 'MFkw', nonce: NONCE, box: BOX, room: ROOM, mac: MAC, offerFirst: false });
});

test('join and hello with "o":1 (§5 step 3): written only when asked for, read as offerFirst; any other value is absent', () => {
  assert.deepEqual(p.join({ nonce: NONCE, box: BOX, offerFirst: true }), { v: 1, type: 'join', nonce: NONCE, box: BOX, o: 1 });
  assert.deepEqual(p.hello({ room: ROOM, nonce: NONCE, box: BOX, mac: MAC, offerFirst: true }),
    { v: 1, type: 'hello', room: ROOM, nonce: NONCE, box: BOX, mac: MAC, o: 1 });
  assert.equal(JSON.stringify(p.join({ nonce: NONCE, box: BOX, offerFirst: true })).length
    - JSON.stringify(p.join({ nonce: NONCE, box: BOX })).length, 6, 'six bytes of the join');
  const join = { v: 1, type: 'join', key: 'MFkw', nonce: NONCE, box: BOX };
  assert.equal(p.readAnnouncement({ ...join, o: 1 }, ANN).offerFirst, true);
  const hello = { type: 'hello', room: ROOM, key: 'MFkw', nonce: NONCE, box: BOX, mac: MAC };
  assert.equal(p.readAnnouncement({ ...hello, o: 1 }, ANN).offerFirst, true);
  for (const o of [0, 2, true, '1', null, [1], { o: 1 }]) {
    const a = p.readAnnouncement({ ...join, o }, ANN);
    assert.ok(a, `a join with o=${JSON.stringify(o)} is still read`);
    assert.equal(a.offerFirst, false, `o=${JSON.stringify(o)}`);
  }
});

test('readAnnouncement: a sender, nonce, key, box, mac or room of another shape is refused', () => {
  const ok = { type: 'join', key: 'MFkw', nonce: NONCE, box: BOX };
  assert.equal(p.readAnnouncement(ok, 'node'), null, 'sender is not a peer id');
  assert.equal(p.readAnnouncement({ ...ok, nonce: `${NONCE}\nsha-256 00:11` }, ANN), null, 'line in the nonce');
  assert.equal(p.readAnnouncement({ ...ok, nonce: 'short' }, ANN), null);
  assert.equal(p.readAnnouncement({ ...ok, nonce: 'a'.repeat(65) }, ANN), null);
  assert.equal(p.readAnnouncement({ ...ok, key: 'a'.repeat(257) }, ANN), null);
  assert.equal(p.readAnnouncement({ ...ok, key: 'MF/w' }, ANN), null);
  assert.equal(p.readAnnouncement({ ...ok, key: 42 }, ANN), null);
  assert.equal(p.readAnnouncement({ ...ok, box: undefined }, ANN), null, 'no box');
  assert.equal(p.readAnnouncement({ ...ok, box: 'b'.repeat(39) }, ANN), null, 'box too short');
  assert.equal(p.readAnnouncement({ ...ok, box: 'b'.repeat(1025) }, ANN), null, 'box too long');
  assert.equal(p.readAnnouncement({ ...ok, box: `${BOX}=` }, ANN), null, 'box not base64url');
  assert.equal(p.readAnnouncement({ ...ok, type: 'hello', mac: MAC }, ANN), null, 'hello without room');
  assert.equal(p.readAnnouncement({ ...ok, type: 'hello', room: ROOM }, ANN), null, 'hello without mac');
  assert.equal(p.readAnnouncement({ ...ok, type: 'hello', room: ROOM, mac: 'm'.repeat(42) }, ANN), null, 'mac of another length');
  assert.equal(p.readAnnouncement({ ...ok, type: 'offer' }, ANN), null);
  assert.equal(p.readAnnouncement(null, ANN), null);
  assert.equal(p.readAnnouncement([ok], ANN), null);
});

test('description and readDescription: offer and answer with context, sdp, sig and the membership mac', () => {
  const d = p.description({ type: 'offer', context: `room:${ROOM}`, sdp: 'v=0\r\n', sig: 'c2ln', mac: MAC });
  assert.deepEqual(d, { v: 1, type: 'offer', context: `room:${ROOM}`, sdp: 'v=0\r\n', sig: 'c2ln', mac: MAC });
  assert.deepEqual(p.readDescription({ ...d, extra: true }), { type: 'offer', context: `room:${ROOM}`, sdp: 'v=0\r\n', sig: 'c2ln', mac: MAC, mode: 'relay' });
  assert.equal(p.readDescription({ ...d, mac: 'short' }).mac, null, 'a malformed mac reads as none (and fails the membership check)');
  assert.deepEqual(p.description({ type: 'answer', context: 'call:abc', sdp: 'v=0\r\n', sig: 'c2ln' }),
    { v: 1, type: 'answer', context: 'call:abc', sdp: 'v=0\r\n', sig: 'c2ln' });
  assert.equal(p.readDescription({ ...d, type: 'pranswer' }), null);
  assert.equal(p.readDescription({ ...d, context: 'room:x\ny' }), null);
  assert.equal(p.readDescription({ ...d, sdp: '' }), null);
  assert.equal(p.readDescription({ ...d, sig: undefined }), null);
});

test('description mode: relay is not written, p2p is (§5.2 direct links); readDescription reads it, refuses others', () => {
  const d = p.description({ type: 'offer', context: 'call:abc', sdp: 'v=0\r\n', sig: 'c2ln', mode: 'p2p' });
  assert.deepEqual(d, { v: 1, type: 'offer', context: 'call:abc', sdp: 'v=0\r\n', sig: 'c2ln', mode: 'p2p' });
  assert.equal(p.readDescription(d).mode, 'p2p');
  assert.equal('mode' in p.description({ type: 'offer', context: 'call:abc', sdp: 'v=0\r\n', sig: 'c2ln', mode: 'relay' }), false);
  assert.equal(p.readDescription({ ...d, mode: undefined }).mode, 'relay', 'absent = relay');
  assert.equal(p.readDescription({ ...d, mode: 'direct' }), null);
  assert.throws(() => p.description({ type: 'offer', context: 'call:abc', sdp: 'v=0\r\n', sig: 'c2ln', mode: 'direct' }), TypeError);
});

test('candidate: the trickled candidate of a direct call, read back by readCandidate', () => {
  const line = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0';
  const c = p.candidate({ context: 'call:abc', candidate: line, sdpMid: '0', sdpMLineIndex: 0 });
  assert.deepEqual(c, { v: 1, type: 'candidate', context: 'call:abc', candidate: line, sdpMid: '0', sdpMLineIndex: 0 });
  assert.deepEqual(p.readCandidate(c), { context: 'call:abc', candidate: line, sdpMid: '0', sdpMLineIndex: 0 });
  assert.deepEqual(p.candidate({ context: 'call:abc', candidate: '', sdpMid: null, sdpMLineIndex: null }),
    { v: 1, type: 'candidate', context: 'call:abc', candidate: '' });
  assert.throws(() => p.candidate({ context: 'call:a b', candidate: line }), TypeError);
  assert.throws(() => p.candidate({ context: 'call:abc', candidate: 'x'.repeat(1025) }), TypeError);
});

test('readCandidate, hangup, readHangup, error, readError', () => {
  assert.deepEqual(p.readCandidate({ type: 'candidate', context: `room:${ROOM}`, candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 }),
    { context: `room:${ROOM}`, candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 });
  assert.equal(p.readCandidate({ type: 'candidate', context: `room:${ROOM}`, candidate: 'x'.repeat(1025) }), null);
  assert.equal(p.readCandidate({ type: 'candidate', context: `room:${ROOM}`, candidate: '', sdpMLineIndex: 64 }).sdpMLineIndex, null);
  assert.deepEqual(p.hangup(`room:${ROOM}`), { v: 1, type: 'hangup', context: `room:${ROOM}` });
  assert.deepEqual(p.readHangup(p.hangup(`room:${ROOM}`)), { context: `room:${ROOM}` });
  assert.equal(p.readHangup({ type: 'hangup' }), null);
  assert.deepEqual(p.badSignature('offer'),
    { v: 1, type: 'error', code: 'bad-signature', message: 'signature on your offer did not verify', ref: { type: 'offer' } });
  assert.deepEqual(p.readError({ type: 'error', code: 'bad-sdp', message: 'line 7' }), { code: 'bad-sdp', message: 'line 7' });
  assert.deepEqual(p.readError({ type: 'error', code: 'x' }), { code: 'x', message: '' });
  assert.equal(p.readError({ type: 'error' }), null);
});

test('CHANNELS: control, chat and file on fixed negotiated ids 0, 1, 2, ordered', () => {
  assert.deepEqual(Object.values(p.CHANNELS).map((c) => [c.label, c.id, c.ordered]),
    [['control', 0, true], ['chat', 1, true], ['file', 2, true]]);
  assert.ok(Object.isFrozen(p.CHANNELS) && Object.isFrozen(p.CHANNELS.chat));
});

test('channel messages: the envelope {v, type, id} and each type\'s fields, as §10 gives them', () => {
  assert.deepEqual(p.chat('m1', 'hello'), { v: 1, type: 'chat', id: 'm1', text: 'hello' });
  assert.deepEqual(p.ping('p1'), { v: 1, type: 'ping', id: 'p1' });
  assert.deepEqual(p.pong('p2', 'p1'), { v: 1, type: 'pong', id: 'p2', ref: 'p1' });
  assert.deepEqual(p.bye('b1'), { v: 1, type: 'bye', id: 'b1' });
  assert.deepEqual(p.file('f1', { name: 'a.txt', size: 3, mime: 'text/plain' }),
    { v: 1, type: 'file', id: 'f1', name: 'a.txt', size: 3, mime: 'text/plain' });
  assert.deepEqual(p.fileEnd('f1'), { v: 1, type: 'file-end', id: 'f1' });
  assert.deepEqual(p.fileCancel('f1'), { v: 1, type: 'file-cancel', id: 'f1' });
  assert.throws(() => p.chat('m1', ''), RangeError);
  assert.throws(() => p.chat('m1', 'x'.repeat(4001)), RangeError);
  assert.throws(() => p.chat('bad id!', 'x'), TypeError);
  assert.throws(() => p.file('f1', { name: 'a', size: -1 }), RangeError);
});

test('readChannelMessage: round trips on the right channel only', () => {
  const text = (m) => JSON.stringify(m);
  assert.deepEqual(p.readChannelMessage('chat', text(p.chat('m1', 'hi'))), { type: 'chat', id: 'm1', text: 'hi' });
  assert.deepEqual(p.readChannelMessage('control', text(p.pong('p2', 'p1'))), { type: 'pong', id: 'p2', ref: 'p1' });
  assert.deepEqual(p.readChannelMessage('control', text(p.ping('p1'))), { type: 'ping', id: 'p1' });
  assert.deepEqual(p.readChannelMessage('file', text(p.file('f1', { name: 'a', size: 3 }))), { type: 'file', id: 'f1', name: 'a', size: 3, mime: '' });
  assert.deepEqual(p.readChannelMessage('file', new Uint8Array([1, 2, 3])), { type: 'file-data', bytes: new Uint8Array([1, 2, 3]) });
  assert.deepEqual(p.readChannelMessage('file', new Uint8Array([7]).buffer), { type: 'file-data', bytes: new Uint8Array([7]) });
  assert.equal(p.readChannelMessage('control', text(p.chat('m1', 'hi'))), null, 'chat on the control channel');
  assert.equal(p.readChannelMessage('chat', text(p.ping('p1'))), null, 'ping on the chat channel');
  assert.equal(p.readChannelMessage('chat', new Uint8Array([1])), null, 'binary on the chat channel');
  assert.equal(p.readChannelMessage('file', new Uint8Array(16 * 1024 + 1)), null, 'frame over 16 KiB');
  assert.equal(p.readChannelMessage('other', text(p.chat('m1', 'hi'))), null, 'unknown channel');
  assert.equal(p.readChannelMessage('__proto__', '{}'), null);
});

test('capabilities on the control channel (§10.2): round trip, only there, only known values once each', () => {
  const text = (m) => JSON.stringify(m);
  assert.deepEqual(p.channelCapabilities('c1', ['VOICE', 'FILE']), { v: 1, type: 'capabilities', id: 'c1', caps: ['VOICE', 'FILE'] });
  assert.deepEqual(p.readChannelMessage('control', text(p.channelCapabilities('c1', ['VOICE', 'VIDEO', 'FILE']))),
    { type: 'capabilities', id: 'c1', caps: ['VOICE', 'VIDEO', 'FILE'] });
  assert.deepEqual(p.readChannelMessage('control', '{"v":1,"type":"capabilities","id":"c2","caps":[]}'), { type: 'capabilities', id: 'c2', caps: [] });
  assert.equal(p.readChannelMessage('chat', text(p.channelCapabilities('c1', ['FILE']))), null, 'on the chat channel');
  assert.equal(p.readChannelMessage('control', '{"v":1,"type":"capabilities","id":"c3","caps":["FILE","FILE"]}'), null, 'repeated');
  assert.equal(p.readChannelMessage('control', '{"v":1,"type":"capabilities","id":"c4","caps":["SMELL"]}'), null, 'unknown');
  assert.equal(p.readChannelMessage('control', '{"v":1,"type":"capabilities","id":"c5","caps":"FILE"}'), null, 'not an array');
  assert.throws(() => p.channelCapabilities('c1', ['SMELL']), TypeError);
});

test('readChannelMessage: malformed envelopes and fields are null, never an exception', () => {
  for (const bad of ['{nope', 'null', '[]', '"chat"', '{"v":2,"type":"chat","id":"m","text":"x"}',
    '{"v":1,"type":"chat","text":"x"}', '{"v":1,"type":"chat","id":"m m","text":"x"}',
    '{"v":1,"type":"chat","id":"m","text":""}', '{"v":1,"type":"chat","id":"m","text":42}',
    `{"v":1,"type":"chat","id":"m","text":"${'x'.repeat(4001)}"}`]) {
    assert.equal(p.readChannelMessage('chat', bad), null, bad.slice(0, 60));
  }
  assert.equal(p.readChannelMessage('control', '{"v":1,"type":"pong","id":"a"}'), null, 'pong without ref');
  assert.equal(p.readChannelMessage('file', '{"v":1,"type":"file","id":"f","name":"a","size":-1}'), null);
  assert.equal(p.readChannelMessage('file', '{"v":1,"type":"file","id":"f","name":"","size":1}'), null);
  assert.equal(p.readChannelMessage('file', `{"v":1,"type":"file","id":"f","name":"a","size":${2 ** 31}}`), null);
});

test('cleanName drops controls, NUL and bidirectional overrides, trims, and caps the length', () => {
  assert.equal(p.cleanName('Ann'), 'Ann');
  assert.equal(p.cleanName('A\u0000n\u0007n\n'), 'Ann');
  assert.equal(p.cleanName('\u202eevil\u202c'), 'evil');
  assert.equal(p.cleanName('x\u2066y\u2069\u2028'), 'xy');
  assert.equal(p.cleanName('  Bob  '), 'Bob');
  assert.equal(p.cleanName('Zoë 🙂'), 'Zoë 🙂');
  assert.equal(Array.from(p.cleanName('🙂'.repeat(100))).length, p.MAX_NAME);
  assert.equal(p.cleanName(42), '');
  assert.equal(p.cleanName(null), '');
});

// The call vocabulary (§5.2): the document's example exchange, message by message.
const CALL = 'call:c7Hq2LxV0pWm9sRt';
const BOB = 'bX2JqRk7QbYH3Wc1TnLq0o8xZkV2cNwE5sPa9fDgUhI';

test('call vocabulary: builders give exactly the documented shapes', () => {
  assert.deepEqual(p.call({ context: CALL, key: 'MFkw', nonce: NONCE, caps: ['VOICE', 'FILE'], p2p: true }),
    { v: 1, type: 'call', context: CALL, key: 'MFkw', nonce: NONCE, caps: ['VOICE', 'FILE'], p2p: true });
  assert.deepEqual(p.call({ context: CALL, key: 'MFkw', nonce: NONCE, epk: 'MFkwEw', box: BOX }),
    { v: 1, type: 'call', context: CALL, key: 'MFkw', nonce: NONCE, caps: [], epk: 'MFkwEw', box: BOX });
  assert.deepEqual(p.accept({ context: CALL, key: 'MFkw', nonce: NONCE, caps: ['VOICE'] }),
    { v: 1, type: 'accept', context: CALL, key: 'MFkw', nonce: NONCE, caps: ['VOICE'], mode: 'relay' });
  assert.deepEqual(p.decline({ context: CALL, reason: 'busy', message: 'in another call' }),
    { v: 1, type: 'decline', context: CALL, reason: 'busy', message: 'in another call' });
  assert.deepEqual(p.capabilitiesQuery({ id: 'q1' }), { v: 1, type: 'capabilities-query', id: 'q1' });
  assert.deepEqual(p.capabilities({ caps: ['VOICE', 'VIDEO'], ref: 'q1' }),
    { v: 1, type: 'capabilities', caps: ['VOICE', 'VIDEO'], ref: 'q1' });
  assert.throws(() => p.call({ context: `room:${ROOM}`, key: 'MFkw', nonce: NONCE }), TypeError);
  assert.throws(() => p.call({ context: CALL, key: 'MFkw', nonce: NONCE, caps: ['SMELL'] }), TypeError);
  assert.throws(() => p.call({ context: CALL, key: 'MFkw', nonce: NONCE, box: BOX }), TypeError);
  assert.throws(() => p.accept({ context: CALL, key: 'MFkw', nonce: NONCE, mode: 'direct' }), TypeError);
  assert.throws(() => p.decline({ context: CALL, reason: 'bored' }), TypeError);
});

test('call vocabulary: readers take what builders make and turn anything malformed into null', () => {
  const c = p.call({ context: CALL, key: 'MFkw', nonce: NONCE, caps: ['VIDEO'], p2p: true, epk: 'MFkwEw', box: BOX });
  assert.deepEqual(p.readCall(c, BOB),
    { context: CALL, key: 'MFkw', nonce: NONCE, caps: ['VIDEO'], p2p: true, epk: 'MFkwEw', box: BOX });
  assert.equal(p.readCall({ ...c, caps: ['VIDEO', 'VIDEO'] }, BOB), null);
  assert.equal(p.readCall({ ...c, nonce: 'short' }, BOB), null);
  assert.equal(p.readCall({ ...c, epk: undefined }, BOB), null);
  assert.equal(p.readCall(c, 'node'), null);
  assert.deepEqual(p.readAccept({ v: 1, type: 'accept', context: CALL, key: 'MFkw', nonce: NONCE }),
    { context: CALL, key: 'MFkw', nonce: NONCE, caps: [], mode: 'relay' });
  assert.equal(p.readAccept({ v: 1, type: 'accept', context: CALL, key: 'MFkw', nonce: NONCE, mode: 'x' }), null);
  assert.deepEqual(p.readDecline({ v: 1, type: 'decline', context: CALL, reason: 'unavailable' }),
    { context: CALL, reason: 'unavailable', message: '' });
  assert.equal(p.readDecline({ v: 1, type: 'decline', context: CALL, reason: 'nope' }), null);
  assert.deepEqual(p.readCapabilitiesQuery({ v: 1, type: 'capabilities-query', id: 'q1' }), { context: null, id: 'q1' });
  assert.deepEqual(p.readCapabilities({ v: 1, type: 'capabilities', caps: ['FILE'], ref: 'q1' }),
    { caps: ['FILE'], context: null, ref: 'q1' });
  assert.equal(p.readCapabilities({ v: 1, type: 'capabilities', caps: 'FILE' }), null);
  for (const bad of [null, 42, 'call', [], { type: 'call' }]) {
    assert.equal(p.readCall(bad, BOB), null);
    assert.equal(p.readAccept(bad), null);
    assert.equal(p.readDecline(bad), null);
  }
});

test('receipt: confirms a chat line by its id, on the chat channel only', () => {
  assert.deepEqual(p.receipt('r1', 'm1'), { v: 1, type: 'receipt', id: 'r1', ref: 'm1' });
  assert.throws(() => p.receipt('r1', 'bad ref!'), TypeError);
  const text = JSON.stringify(p.receipt('r1', 'm1'));
  assert.deepEqual(p.readChannelMessage('chat', text), { type: 'receipt', id: 'r1', ref: 'm1' });
  assert.equal(p.readChannelMessage('control', text), null, 'receipt on the control channel');
  assert.equal(p.readChannelMessage('chat', '{"v":1,"type":"receipt","id":"r1"}'), null, 'receipt without ref');
  assert.equal(p.readChannelMessage('chat', '{"v":1,"type":"receipt","id":"r1","ref":"a b"}'), null, 'malformed ref');
});

test('file transfer messages: accept, refuse, start, end with its SHA-256', () => {
  const text = (m) => JSON.stringify(m);
  const sha = 'ab'.repeat(32);
  assert.deepEqual(p.fileAccept('f1'), { v: 1, type: 'file-accept', id: 'f1' });
  assert.deepEqual(p.fileRefuse('f1'), { v: 1, type: 'file-refuse', id: 'f1' });
  assert.deepEqual(p.fileStart('f1'), { v: 1, type: 'file-start', id: 'f1' });
  assert.deepEqual(p.fileEnd('f1', sha), { v: 1, type: 'file-end', id: 'f1', sha256: sha });
  assert.throws(() => p.fileEnd('f1', 'AB'.repeat(32)), TypeError);
  for (const m of [p.fileAccept('f1'), p.fileRefuse('f1'), p.fileStart('f1')]) {
    assert.deepEqual(p.readChannelMessage('file', text(m)), { type: m.type, id: 'f1' });
    assert.equal(p.readChannelMessage('chat', text(m)), null);
  }
  assert.deepEqual(p.readChannelMessage('file', text(p.fileEnd('f1', sha))), { type: 'file-end', id: 'f1', sha256: sha });
  assert.deepEqual(p.readChannelMessage('file', text(p.fileEnd('f1'))), { type: 'file-end', id: 'f1' });
  assert.equal(p.readChannelMessage('file', '{"v":1,"type":"file-end","id":"f1","sha256":"xyz"}'), null);
  assert.equal(p.readChannelMessage('file', '{"v":1,"type":"file-end","id":"f1","sha256":42}'), null);
});
