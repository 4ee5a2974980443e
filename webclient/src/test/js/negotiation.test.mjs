// Unit tests of negotiation.js: the pure rules of perfect negotiation (W3C WebRTC 1.0 §10.7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const { startsSession, isPolite, onRemoteDescription, iceRecovery, firstOffer, MEMBER_SETTLED_MS } = await import(js('negotiation.js'));

const SMALL = 'Aaaa'.padEnd(43, 'a');
const LARGE = 'baaa'.padEnd(43, 'a');

test('the smaller id starts the session and is the impolite peer; exactly one side each', () => {
  assert.equal(startsSession(SMALL, LARGE), true);
  assert.equal(startsSession(LARGE, SMALL), false);
  assert.equal(isPolite(SMALL, LARGE), false);
  assert.equal(isPolite(LARGE, SMALL), true);
  // plain string comparison: upper case sorts before lower case
  assert.equal(startsSession('Z'.repeat(43), 'a'.repeat(43)), true);
});

test('first offer by the member (§5 step 3): only when both say "o":1, and a join met within the settled time goes by ids', () => {
  const settled = MEMBER_SETTLED_MS;
  // the member answering a newcomer's join that says so, its own join out long enough: it offers
  assert.equal(firstOffer({ takesPart: true, saysSo: true, answeringJoin: true, sinceOwnJoinMs: settled }), 'offer');
  assert.equal(firstOffer({ takesPart: true, saysSo: true, answeringJoin: true, sinceOwnJoinMs: 60_000 }), 'offer');
  // two joins at about the same moment: each side answers the other's join by the id rule, so
  // exactly one of them offers (never both: startsSession is a strict order)
  assert.equal(firstOffer({ takesPart: true, saysSo: true, answeringJoin: true, sinceOwnJoinMs: settled - 1 }), null);
  assert.equal(firstOffer({ takesPart: true, saysSo: true, answeringJoin: true, sinceOwnJoinMs: 0 }), null);
  // not yet announced (Infinity since: -Infinity ms) and a clock read as NaN: the id rule
  assert.equal(firstOffer({ takesPart: true, saysSo: true, answeringJoin: true, sinceOwnJoinMs: -Infinity }), null);
  assert.equal(firstOffer({ takesPart: true, saysSo: true, answeringJoin: true, sinceOwnJoinMs: NaN }), null);
  // the newcomer told so in the hello waits for the member's offer
  assert.equal(firstOffer({ takesPart: true, saysSo: true, answeringJoin: false, sinceOwnJoinMs: 5 }), 'wait');
  // either side not taking part: the id rule, whatever the other says or how long ago
  for (const answeringJoin of [true, false]) {
    assert.equal(firstOffer({ takesPart: false, saysSo: true, answeringJoin, sinceOwnJoinMs: 60_000 }), null);
    assert.equal(firstOffer({ takesPart: true, saysSo: false, answeringJoin, sinceOwnJoinMs: 60_000 }), null);
  }
});

test('an offer in a stable connection is applied, no collision', () => {
  for (const polite of [true, false]) {
    assert.deepEqual(onRemoteDescription({ type: 'offer', polite, makingOffer: false, signalingState: 'stable' }),
      { action: 'apply', collision: false, rollback: false, why: null });
  }
});

test('glare: the impolite side ignores the offer, the polite side rolls back its own and applies it', () => {
  assert.deepEqual(onRemoteDescription({ type: 'offer', polite: false, makingOffer: false, signalingState: 'have-local-offer' }),
    { action: 'ignore', collision: true, rollback: false, why: 'collision' });
  assert.deepEqual(onRemoteDescription({ type: 'offer', polite: true, makingOffer: false, signalingState: 'have-local-offer' }),
    { action: 'apply', collision: true, rollback: true, why: null });
});

test('an offer while this side is still making its own is a collision even in the stable state', () => {
  assert.equal(onRemoteDescription({ type: 'offer', polite: false, makingOffer: true, signalingState: 'stable' }).action, 'ignore');
  const polite = onRemoteDescription({ type: 'offer', polite: true, makingOffer: true, signalingState: 'stable' });
  assert.equal(polite.collision, true);
  assert.equal(polite.action, 'apply');
  assert.equal(polite.rollback, false, 'nothing to roll back yet in the stable state');
});

test('an offer while a remote answer is being applied is not a collision', () => {
  assert.equal(onRemoteDescription({ type: 'offer', polite: false, makingOffer: false, signalingState: 'have-local-offer', settingRemoteAnswer: true }).collision, false);
});

test('an answer is applied only to a pending local offer; any other answer is stale', () => {
  assert.equal(onRemoteDescription({ type: 'answer', polite: false, makingOffer: false, signalingState: 'have-local-offer' }).action, 'apply');
  for (const signalingState of ['stable', 'have-remote-offer', 'closed']) {
    assert.deepEqual(onRemoteDescription({ type: 'answer', polite: true, makingOffer: false, signalingState }),
      { action: 'ignore', collision: false, rollback: false, why: 'stale-answer' });
  }
});

test('iceRecovery: restart on failure within budget, give up after it or before any negotiation', () => {
  const failed = { iceConnectionState: 'failed', connectionState: 'connected', negotiated: true, attempts: 0, maxAttempts: 3 };
  assert.equal(iceRecovery(failed), 'restart');
  assert.equal(iceRecovery({ ...failed, iceConnectionState: 'disconnected', connectionState: 'failed' }), 'restart');
  assert.equal(iceRecovery({ ...failed, attempts: 3 }), 'give-up');
  assert.equal(iceRecovery({ ...failed, negotiated: false }), 'give-up');
  for (const s of ['new', 'checking', 'connected', 'completed', 'disconnected', 'closed']) {
    assert.equal(iceRecovery({ ...failed, iceConnectionState: s, connectionState: 'connecting' }), 'wait', s);
  }
});

test('dropRecovery: a drop restarts ICE, throttled, rolls a lost offer back, and gives up only after the window', async () => {
  const { dropRecovery } = await import(js('negotiation.js'));
  const down = { iceConnectionState: 'disconnected', connectionState: 'disconnected', lostForMillis: 1000,
    sinceRestartMillis: Infinity, offerPendingMillis: 0 };
  assert.equal(dropRecovery(down), 'wait', 'a short disconnect may come back by itself');
  assert.equal(dropRecovery({ ...down, lostForMillis: 4000 }), 'restart');
  assert.equal(dropRecovery({ ...down, iceConnectionState: 'failed' }), 'restart', 'failed restarts at once');
  assert.equal(dropRecovery({ ...down, lostForMillis: 9000, sinceRestartMillis: 3000 }), 'wait', 'restarts are throttled');
  assert.equal(dropRecovery({ ...down, lostForMillis: 9000, sinceRestartMillis: 8000 }), 'restart');
  assert.equal(dropRecovery({ ...down, lostForMillis: 9000, offerPendingMillis: 4000, sinceRestartMillis: 9000 }), 'wait');
  assert.equal(dropRecovery({ ...down, lostForMillis: 20000, offerPendingMillis: 10000 }), 'rollback-and-restart');
  assert.equal(dropRecovery({ ...down, lostForMillis: 120000 }), 'give-up');
  assert.equal(dropRecovery({ ...down, iceConnectionState: 'connected', connectionState: 'connected', lostForMillis: 500000 }), 'recovered');
  assert.equal(dropRecovery({ ...down, iceConnectionState: 'connected', connectionState: 'connecting' }), 'wait',
    'ICE back but DTLS not yet: not recovered');
});
