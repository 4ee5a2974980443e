// Unit tests of ui/text.js: every refusal and event code the session and room report has words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const t = await import(js('ui/text.js'));

test('refusals are worded, with the description type and the browser\'s detail', () => {
  assert.match(t.refusalText({ code: 'bad-signature', type: 'offer' }), /^the offer's signature does not match/);
  assert.match(t.refusalText({ code: 'certificate-mismatch' }), /someone is in the middle/);
  assert.match(t.refusalText({ code: 'certificate-unknown' }), /could not be checked/);
  assert.match(t.refusalText({ code: 'certificate-changed', type: 'answer' }), /^the answer names another certificate/);
  assert.equal(t.refusalText({ code: 'apply-failed', type: 'offer', detail: 'bad m-line' }), 'could not apply the offer: bad m-line');
  assert.equal(t.refusalText({ code: 'failed' }), 'the connection failed');
  assert.equal(t.refusalText({ code: 'bad-description', type: 'offer', detail: 'no a=fingerprint line: the description names no DTLS certificate' }),
    'the offer names no usable DTLS certificate (no a=fingerprint line: the description names no DTLS certificate), so it was refused');
  assert.match(t.refusalText({ code: 'certificate-mismatch', detail: 'DTLS presented sha-1 96:14…; the signed description names sha-256 B2:F1… (no sha-1 line)' }),
    /someone is in the middle \(DTLS presented sha-1 .*\(no sha-1 line\)\)$/);
  assert.match(t.refusalText({ code: 'no-word' }), /^this person does not know the room's word/);
  assert.match(t.eventText({ kind: 'refused', name: '', refusal: { code: 'no-word' } }), /^Refused someone: this person does not know the room's word/);
  assert.match(t.DERIVING_TEXT, /secret word/);
  assert.equal(t.refusalText(null), '');
});

test('room events become log lines; a missing name reads anonymous', () => {
  assert.equal(t.eventText({ kind: 'left', name: 'Bob' }), 'Bob left');
  assert.equal(t.eventText({ kind: 'left', name: '' }), 'anonymous left');
  assert.equal(t.eventText({ kind: 'malformed-announcement' }), 'Ignored a malformed announcement');
  assert.equal(t.eventText({ kind: 'peer-error', name: 'Bob', code: 'bad-signature', message: 'signature on your offer did not verify' }),
    'Bob: signature on your offer did not verify');
  assert.equal(t.eventText({ kind: 'node-error', code: 'bad-sdp', message: '' }), 'The node refused a message: bad-sdp');
  assert.match(t.eventText({ kind: 'refused', name: 'Ann', refusal: { code: 'bad-signature', type: 'offer' } }), /^Refused Ann: the offer's signature/);
});

test('the status line follows the peers', () => {
  const p = (state, relayed = true) => ({ name: 'Bob', state, relayed });
  assert.deepEqual(t.roomStatus([]), { text: 'In the room. Waiting for the other person…', kind: '' });
  assert.deepEqual(t.roomStatus([p('connected')]), { text: 'Connected to Bob via the node\'s relay.', kind: 'ok' });
  assert.match(t.roomStatus([p('connected', false)]).text, /directly \(P2P\)/);
  assert.equal(t.roomStatus([p('connected'), p('key-changed')]).kind, 'bad');
  assert.equal(t.roomStatus([p('connecting')]).text, 'Connecting to Bob…');
  assert.equal(t.roomStatus([p('refused')]).text, 'The connection was refused. See below.');
});

test('a drop reads as a drop, not as a refusal', () => {
  const p = (state) => ({ name: 'Bob', state, relayed: true });
  assert.equal(t.peerStateText(p('reconnecting')), '— connection lost, reconnecting…');
  assert.deepEqual(t.roomStatus([p('reconnecting')]), { text: 'Connection to Bob lost, reconnecting…', kind: 'bad' });
  assert.doesNotMatch(t.roomStatus([p('reconnecting')]).text, /refused/);
  assert.match(t.refusalText({ code: 'lost' }), /lost/);
});

test('delivery states have words', () => {
  assert.equal(t.deliveryText('sent'), '✓ sent');
  assert.equal(t.deliveryText('delivered'), '✓✓ delivered');
  assert.equal(t.deliveryText('retrying'), 'not delivered, retrying…');
  assert.match(t.deliveryText('undelivered'), /^not delivered/);
});
