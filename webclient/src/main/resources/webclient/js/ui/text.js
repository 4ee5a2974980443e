/**
 * The words the room page shows: every sentence a person reads about peers, refusals and events
 * is made here, from the codes the protocol and session modules report. Pure functions.
 * @module ui/text
 */

/** The status line while the word is turned into the room's id and keys (a costly derivation). */
export const DERIVING_TEXT = 'Turning the secret word into the room\'s key… (this takes a moment on purpose)';

/**
 * @param {string} name a display name as announced.
 * @returns {string} the name, or `anonymous` when none was given.
 */
export function displayName(name) {
  return name || 'anonymous';
}

/**
 * Why a session was refused, in a sentence.
 * @param {import('../session.js').Refusal|null} refusal
 * @returns {string} '' when there is no refusal.
 */
export function refusalText(refusal) {
  if (!refusal) return '';
  switch (refusal.code) {
    case 'no-word':
      return 'this person does not know the room\'s word, so they were not let in '
        + '(the node, or someone who saw the room id, is pretending to be a member)';
    case 'bad-signature':
      return `the ${refusal.type}'s signature does not match: someone between you (the node or the network) `
        + 'changed the call\'s keys, so it was refused';
    case 'bad-description':
      return `the ${refusal.type} names no usable DTLS certificate (${refusal.detail}), so it was refused`;
    case 'certificate-mismatch':
      return 'the certificate in the connection is not the one the signed description named: someone is in the middle'
        + (refusal.detail ? ` (${refusal.detail})` : '');
    case 'certificate-unknown':
      return 'the browser did not report the peer\'s certificate, so the connection could not be checked';
    case 'certificate-changed':
      return `the ${refusal.type} names another certificate than the connection uses: someone is in the middle`;
    case 'apply-failed':
      return `could not apply the ${refusal.type}: ${refusal.detail}`;
    case 'failed':
      return 'the connection failed';
    case 'lost':
      return 'the connection was lost and did not come back within two minutes';
    default:
      return `refused (${refusal.code})`;
  }
}

/**
 * What a person can do about a refused session, under the reason ({@link refusalText}).
 * @param {import('../session.js').Refusal|null} refusal
 * @returns {string} '' when there is no refusal.
 */
export function refusalAdvice(refusal) {
  if (!refusal) return '';
  switch (refusal.code) {
    case 'no-word':
    case 'bad-signature':
    case 'certificate-mismatch':
    case 'certificate-changed':
      return 'Nothing was connected, so nothing you write can be read. Do not retry through this node: tell '
        + 'the other person another way (by voice), and meet on a node you trust.';
    case 'certificate-unknown':
    case 'bad-description':
    case 'apply-failed':
      return 'The other person\'s browser may not support this; try an up-to-date Chromium, Firefox or Safari, '
        + 'then leave and join again.';
    case 'failed':
    case 'lost':
      return 'Check your network connection, then leave and join the room again.';
    default:
      return 'Leave and join the room again; if it happens again, tell the other person another way.';
  }
}

/**
 * A peer's state after its name in the list.
 * @param {import('../room.js').PeerView} p
 * @returns {string}
 */
export function peerStateText(p) {
  switch (p.state) {
    case 'connected': return p.relayed ? '— connected via the node\'s relay' : '— connected directly (P2P)';
    case 'connecting': return '— connecting…';
    case 'reconnecting': return '— connection lost, reconnecting…';
    case 'key-changed': return '— key changed!';
    case 'refused': return '— refused';
    case 'closed': return '— disconnected';
    default: return '— waiting';
  }
}

/**
 * The warning beside a peer whose key changed.
 * @param {import('../room.js').PeerView} p
 * @returns {string}
 */
export function keyChangedWarning(p) {
  return `This key differs from the one you saw before for ${displayName(p.name)} (${p.pinnedFingerprint}). `
    + 'It may be someone else. Nothing connects until you accept it: ask them another way (by voice, in person) '
    + 'whether they made a new identity, accept it only if they did, then compare your safety code.';
}

/**
 * A line for the log about something the room reported.
 * @param {import('../room.js').RoomEvent} e
 * @returns {string}
 */
export function eventText(e) {
  switch (e.kind) {
    case 'left': return `${displayName(e.name)} left`;
    case 'malformed-announcement': return 'Ignored a malformed announcement';
    case 'key-mismatch': return 'Ignored an announcement whose key does not match its sender';
    case 'key-changed':
      return `Warning: ${displayName(e.name)} has a different key than before. Nothing connects until you accept it.`;
    case 'key-not-accepted':
      return `${displayName(e.name)} has verified someone else under your name before, so ${displayName(e.name)} `
        + 'must accept your key before you can connect. Ask them to, and compare your safety code.';
    case 'node-error': return `The node refused a message: ${e.message || e.code}`;
    case 'peer-error': return `${displayName(e.name)}: ${e.message || e.code}`;
    case 'refused': return `Refused ${e.refusal?.code === 'no-word' && !e.name ? 'someone' : displayName(e.name)}: ${refusalText(e.refusal)}`;
    case 'failed-message': return `Could not handle a ${e.type} message: ${e.message}`;
    default: return String(e.kind);
  }
}

/**
 * The status line of the room page.
 * @param {import('../room.js').PeerView[]} peers
 * @returns {{text: string, kind: ''|'ok'|'bad'}}
 */
export function roomStatus(peers) {
  const connected = peers.filter((p) => p.state === 'connected');
  if (peers.some((p) => p.state === 'key-changed')) {
    return { text: 'A known person arrived with a different key. Check the warning below.', kind: 'bad' };
  }
  if (connected.length > 0) {
    const how = connected.every((p) => p.relayed) ? 'via the node\'s relay' : 'directly (P2P)';
    return { text: `Connected to ${connected.map((p) => displayName(p.name)).join(', ')} ${how}.`, kind: 'ok' };
  }
  const reconnecting = peers.filter((p) => p.state === 'reconnecting');
  if (reconnecting.length > 0) {
    return { text: `Connection to ${reconnecting.map((p) => displayName(p.name)).join(', ')} lost, reconnecting…`, kind: 'bad' };
  }
  const connecting = peers.filter((p) => p.state === 'connecting');
  if (connecting.length > 0) return { text: `Connecting to ${connecting.map((p) => displayName(p.name)).join(', ')}…`, kind: '' };
  if (peers.some((p) => p.state === 'refused')) return { text: 'The connection was refused. See below.', kind: 'bad' };
  return { text: 'In the room. Waiting for the other person…', kind: '' };
}

/**
 * The delivery state beside a line this person wrote.
 * @param {import('../chat-outbox.js').DeliveryState} state
 * @returns {string}
 */
export function deliveryText(state) {
  switch (state) {
    case 'sent': return '✓ sent';
    case 'delivered': return '✓✓ delivered';
    case 'retrying': return 'not delivered, retrying…';
    case 'undelivered': return 'not delivered (they left)';
    default: return '';
  }
}

/**
 * How a peer is named in the list: a newcomer under a name met before with another key is
 * "another <name>", not an attack (names are not unique).
 * @param {import('../room.js').PeerView} p
 * @returns {string}
 */
export function peerTitle(p) {
  return p.another ? `another ${displayName(p.name)} (not the one you know)` : displayName(p.name);
}

/**
 * Why a peer is still waiting, when it told us.
 * @param {import('../room.js').PeerView} p
 * @returns {string} '' when there is nothing to say.
 */
export function peerNoteText(p) {
  if (p.note === 'key-not-accepted') {
    return `${displayName(p.name)} must accept your key first: they verified someone else called by your name before. `
      + 'Ask them to accept it, and compare your safety code.';
  }
  return '';
}

/** The status line after a new identity was made. */
export const NEW_IDENTITY_TEXT = 'New identity made. People who verified or accepted your old key will see '
  + 'a warning and must accept the new one before you can connect; tell them, and compare your safety code.';

/**
 * The room's short code: six digits from the room id, to compare by voice ("are we in the same
 * room?") without saying the word.
 * @param {string} roomId base64url.
 * @returns {string} e.g. `482 913`.
 */
export function roomCode(roomId) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let v = 0;
  for (const ch of roomId.slice(0, 5)) v = v * 64 + Math.max(0, alphabet.indexOf(ch));
  const digits = String(v % 1000000).padStart(6, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

/**
 * @typedef {object} ConnectionProblem
 * @property {'node-unreachable'|'node-restarting'|'broker-refused'|'certificate'} kind
 * @property {string} text the status line (it ends saying that the page retries by itself).
 */

/**
 * Words a failure to reach the node, each cause its own way (only a certificate problem asks the
 * person to accept a certificate).
 * @param {object} f
 * @param {number|undefined} [f.code] the MQTT reason code the broker refused with (≥ 0x80), if any.
 * @param {string} [f.message] the error's own words.
 * @param {boolean} f.webReachable whether the node's web server answered just now (node-info.json).
 * @param {boolean} [f.addressRefused] the node's web server, which answered this page before, now
 *   answers node-info.json with 403/404: it refuses this address (allow-list, or blocked as a scanner).
 * @param {boolean} f.tls whether the broker is reached over TLS (wss).
 * @param {boolean} [f.wasConnected] whether this page was connected before (a drop, not a first try).
 * @param {boolean} [f.shuttingDown] the broker said it is shutting down (MQTT 5 reason 0x8B).
 * @param {number} f.retrySeconds when the page tries again.
 * @returns {ConnectionProblem}
 */
export function connectionProblem(f) {
  const again = ` Trying again in ${f.retrySeconds} s…`;
  if (typeof f.code === 'number' && f.code >= 0x80) {
    return {
      kind: 'broker-refused',
      text: `The node refused the connection: ${f.message || `reason ${f.code}`}. Your identity was not let in; `
        + `if this goes on, ask whoever runs the node.${again}`,
    };
  }
  if (f.addressRefused) {
    return {
      kind: 'broker-refused',
      text: 'The node refused the connection from your address: it lets in only some networks (an allow-list), '
        + `or it blocked your address after failed attempts. Ask whoever runs the node to let you in.${again}`,
    };
  }
  if (f.shuttingDown || (f.wasConnected && !f.webReachable)) {
    return { kind: 'node-restarting', text: `The node is restarting or went away; your room and key are kept.${again}` };
  }
  if (!f.webReachable) {
    return { kind: 'node-unreachable', text: `Cannot reach the node: no answer from its address (offline, or the node is down).${again}` };
  }
  if (f.tls && !f.wasConnected) {
    return {
      kind: 'certificate',
      text: 'The node\'s page loads, but the connection to its broker failed: your browser probably does not trust '
        + 'the node\'s certificate on the broker\'s port (some browsers accept a certificate for one port only). '
        + `Open the broker address below once, check the certificate and accept it, then come back.${again}`,
    };
  }
  return { kind: 'node-restarting', text: `The node's broker does not answer (restarting?).${again}` };
}
