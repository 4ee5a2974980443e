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

test('same name, new key: another person; a peer that must accept our key says so; the room code', () => {
  assert.equal(t.peerTitle({ name: 'Bob', another: true }), 'another Bob (not the one you know)');
  assert.equal(t.peerTitle({ name: 'Bob', another: false }), 'Bob');
  assert.match(t.peerNoteText({ name: 'Ann', note: 'key-not-accepted' }), /^Ann must accept your key first/);
  assert.equal(t.peerNoteText({ name: 'Ann', note: null }), '');
  assert.match(t.eventText({ kind: 'key-not-accepted', name: 'Ann' }), /must accept your key/);
  assert.match(t.NEW_IDENTITY_TEXT, /^New identity made\. .*must accept the new one/);
  assert.match(t.roomCode('AAAAB' + 'x'.repeat(38)), /^\d{3} \d{3}$/);
  assert.equal(t.roomCode('AAAAB' + 'x'.repeat(38)), '000 001');
  assert.notEqual(t.roomCode('bX2JqRk7QbYH3Wc1TnLq0o8xZkV2cNwE5sPa9fDgUhI'), t.roomCode('cX2JqRk7QbYH3Wc1TnLq0o8xZkV2cNwE5sPa9fDgUhI'));
});

test('a refusal comes with advice: an attack is not retried through the node, a failure is', () => {
  assert.equal(t.refusalAdvice(null), '');
  for (const code of ['no-word', 'bad-signature', 'certificate-mismatch', 'certificate-changed']) {
    assert.match(t.refusalAdvice({ code }), /Do not retry through this node/, code);
  }
  assert.match(t.refusalAdvice({ code: 'failed' }), /Check your network connection/);
  assert.match(t.refusalAdvice({ code: 'apply-failed' }), /browser may not support this/);
  assert.match(t.refusalAdvice({ code: 'other' }), /Leave and join the room again/);
});

test('each connection failure has its own words; only a certificate problem mentions certificates', () => {
  const base = { webReachable: true, tls: true, retrySeconds: 5 };
  const refused = t.connectionProblem({ ...base, code: 0x87, message: 'not authorized: the node refused this identity' });
  assert.equal(refused.kind, 'broker-refused');
  assert.match(refused.text, /^The node refused the connection: not authorized/);
  const unreachable = t.connectionProblem({ ...base, webReachable: false });
  assert.equal(unreachable.kind, 'node-unreachable');
  // The node's web server, which served the page, now answers 404: the node refuses this address.
  const address = t.connectionProblem({ ...base, webReachable: false, addressRefused: true });
  assert.equal(address.kind, 'broker-refused');
  assert.match(address.text, /refused the connection from your address.*allow-list/);
  assert.equal(t.connectionProblem({ ...base, webReachable: false, addressRefused: true, wasConnected: true }).kind,
    'broker-refused');
  const restarting = t.connectionProblem({ ...base, webReachable: false, wasConnected: true });
  assert.equal(restarting.kind, 'node-restarting');
  assert.equal(t.connectionProblem({ ...base, shuttingDown: true }).kind, 'node-restarting');
  const cert = t.connectionProblem(base);
  assert.equal(cert.kind, 'certificate');
  assert.match(cert.text, /certificate/);
  for (const p of [refused, address, unreachable, restarting, t.connectionProblem({ ...base, tls: false })]) {
    assert.doesNotMatch(p.text, /certificate/, p.kind);
    assert.match(p.text, /Trying again in 5 s/);
  }
});
