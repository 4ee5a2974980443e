/**
 * The MQTT transport: connects to the node's broker over WebSocket with MQTT 5 enhanced
 * authentication (docs/protocol.md, "Connecting"), and offers publish/subscribe of JSON
 * messages that carry the broker-verified sender id. Topic names come from `protocol.js`.
 * @module signaling
 */
import mqtt from '../vendor/mqtt.esm.js';
import { parseJson, fromUtf8 } from './encoding.js';
import { sign, connectStatement } from './identity.js';

export const AUTH_METHOD = 'sb-key-v1';
export const CONNECT_CONTEXT = 'switchboard/v1/connect';
const NONCE_BYTES = 32;
/** QoS 1; No Local (MQTT 5 §3.8.3.1): our own publications are not echoed back (fewer bytes). */
export const SUBSCRIBE_OPTIONS = Object.freeze({ qos: 1, nl: true });

/**
 * The MQTT.js options of a connection (docs/protocol.md §3): MQTT 5, the peer id as client id,
 * a clean start, the key in the CONNECT's authentication data. Topic aliases (MQTT 5 §3.3.2.3.4)
 * are assigned by MQTT.js within the broker's Topic Alias Maximum (its CONNACK; 5 on the node):
 * the first publish to a topic names it with an alias, later ones send the alias only (about 55
 * bytes fewer each, e.g. the capabilities after the offer in the same inbox). Aliases belong to
 * one network connection; MQTT.js forgets them at each CONNACK and keeps the topic names of
 * publishes it may resend.
 * @param {import('./identity.js').Identity} identity
 * @returns {object} options for `mqtt.connect`
 */
export function connectOptions(identity) {
  return {
    protocolVersion: 5,
    clientId: identity.id,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 2000,
    connectTimeout: 10000,
    autoAssignTopicAlias: true,
    properties: {
      authenticationMethod: AUTH_METHOD,
      authenticationData: toWireBytes(identity.spki),
    },
  };
}

/**
 * @callback MessageHandler
 * @param {object} message the parsed JSON payload (never null: unparseable payloads are reported
 *   to `onBadMessage` instead).
 * @param {string} sender the verified sender id (`sb-sender` user property), or `node`.
 * @param {string} topic
 */

/**
 * A connection to the node's broker.
 */
export class Signaling {
  /**
   * Connects and authenticates.
   * @param {object} options
   * @param {string} options.url broker WebSocket URL, e.g. `wss://host:8444/mqtt`.
   * @param {import('./identity.js').Identity} options.identity
   * @param {string} [options.nodeId] if given, the challenge must name this node.
   * @param {(text:string)=>void} [options.onState] connection state changes, for the status line.
   * @param {boolean} [options.retryFirst] whether the first connection is retried by MQTT.js every
   *   2 s until it works (default); `false` rejects as soon as it closes before the broker accepted
   *   it (TLS failure, the node closing it), so the caller can say why and retry at its own pace.
   * @returns {Promise<Signaling>} resolves once the broker accepted the connection; rejects with
   *   an Error saying why it refused.
   */
  static connect({ url, identity, nodeId, onState = () => {}, retryFirst = true }) {
    return new Promise((resolve, reject) => {
      const client = mqtt.connect(url, connectOptions(identity));
      client.handleAuth = (packet, cb) => {
        const challenge = new Uint8Array(packet?.properties?.authenticationData || []);
        if (challenge.length < NONCE_BYTES) {
          cb(new Error('the node sent a malformed authentication challenge'));
          return;
        }
        const named = fromUtf8(challenge.subarray(NONCE_BYTES));
        if (nodeId && named !== nodeId) {
          cb(new Error(`the challenge names node ${named}, not the node this page came from`));
          return;
        }
        const statement = connectStatement(identity.id, challenge);
        sign(identity, statement).then((signature) => cb(null, {
          cmd: 'auth',
          reasonCode: 0x18,
          properties: { authenticationMethod: AUTH_METHOD, authenticationData: toWireBytes(signature) },
        }), (e) => cb(e));
      };
      const signaling = new Signaling(client);
      let settled = false;
      client.on('connect', () => {
        onState('connected');
        if (!settled) {
          settled = true;
          resolve(signaling);
        } else {
          signaling.resubscribe();
          signaling.onReconnected();
        }
      });
      client.on('close', () => {
        if (settled || retryFirst) return;
        // A refusal (CONNACK ≥ 0x80) reports its 'error' around the close: let it win, it says why.
        setTimeout(() => {
          if (settled) return;
          settled = true;
          client.end(true);
          reject(new Error('the connection to the node\'s broker closed before it was set up'));
        }, 50);
      });
      client.on('reconnect', () => onState('reconnecting'));
      client.on('offline', () => onState('offline'));
      // MQTT 5 §3.14.2.1: the broker says why it disconnects (0x8B: the server is shutting down).
      client.on('disconnect', (packet) => onState(packet?.reasonCode === 0x8b ? 'shutting-down' : 'disconnected'));
      client.on('error', (e) => {
        if (!settled) {
          settled = true;
          client.end(true);
          const err = new Error(describeError(e));
          // The MQTT reason code (CONNACK/AUTH, MQTT 5 §3.2.2.2), when the broker refused: callers word it.
          if (e && typeof e.code === 'number') err.code = e.code;
          reject(err);
        } else {
          onState(`error: ${describeError(e)}`);
        }
      });
      client.on('message', (topic, payload, packet) => signaling.dispatch(topic, payload, packet));
    });
  }

  /** @param {any} client an MQTT.js client. */
  constructor(client) {
    this.client = client;
    /** @type {Map<string, Set<MessageHandler>>} */
    this.handlers = new Map();
    /** @type {(topic:string, reason:string)=>void} */
    this.onBadMessage = () => {};
    /**
     * Called after the connection was lost and made again. The broker announced a `leave` for
     * every room meanwhile, so rooms must announce themselves again.
     * @type {()=>void}
     */
    this.onReconnected = () => {};
    /** @private MQTT 5 user properties a topic's SUBSCRIBE carries (a callee's secret, §5.3). */
    this.subscribeProperties = new Map();
  }

  /** @private */
  subscribeOptions(topic) {
    const props = this.subscribeProperties.get(topic);
    return props ? { ...SUBSCRIBE_OPTIONS, properties: { userProperties: props } } : SUBSCRIBE_OPTIONS;
  }

  /**
   * Subscribes to a topic (QoS 1, MQTT 5 No Local: the broker does not send this client's own
   * messages back, e.g. its join on a room's presence topic, which it would only ignore).
   * @param {string} topic
   * @param {MessageHandler} handler
   * @returns {Promise<() => void>} resolves once the broker granted the subscription; the value
   *   unsubscribes this handler. Rejects if the broker refused it.
   * @param {Record<string,string>|null} [userProperties] MQTT 5 user properties for the SUBSCRIBE
   *   (a callee page sends its secret this way, docs/protocol.md §5.3); kept for resubscribing.
   */
  async subscribe(topic, handler, userProperties = null) {
    let set = this.handlers.get(topic);
    const first = !set;
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler);
    if (first) {
      if (userProperties) this.subscribeProperties.set(topic, userProperties);
      await new Promise((resolve, reject) => {
        this.client.subscribe(topic, this.subscribeOptions(topic), (err, granted) => {
          if (err) reject(err);
          else if (granted && granted[0] && granted[0].qos > 2) {
            this.handlers.delete(topic);
            this.subscribeProperties.delete(topic);
            reject(new Error(`the node refused the subscription to ${topic} (reason ${granted[0].qos})`));
          } else resolve();
        });
        this.flush();
      });
    }
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(topic) === set) {
        this.handlers.delete(topic);
        this.client.unsubscribe(topic);
      }
    };
  }

  /**
   * Subscribes to several topics with one SUBSCRIBE packet (MQTT 5 §3.8.3: a packet may carry
   * several topic filters, each granted or refused on its own in the SUBACK), so a room's inbox
   * and presence cost one packet and one round trip. Topics that already have a handler are not
   * subscribed again. No user properties (use {@link Signaling#subscribe} for a callee's secret).
   * @param {Array<[string, MessageHandler]>} entries topic and handler pairs, distinct topics.
   * @returns {Promise<Array<() => void>>} one unsubscribe function per entry, in order, once the
   *   broker granted every new subscription. If it refused any, rejects naming the first refused
   *   topic, and no handler of these entries stays registered (granted ones are unsubscribed).
   */
  async subscribeAll(entries) {
    const added = [];
    const fresh = {};
    for (const [topic, handler] of entries) {
      let set = this.handlers.get(topic);
      if (!set) {
        set = new Set();
        this.handlers.set(topic, set);
        fresh[topic] = SUBSCRIBE_OPTIONS;
      }
      set.add(handler);
      added.push([topic, handler, set]);
    }
    const unsubscribers = added.map(([topic, handler, set]) => () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(topic) === set) {
        this.handlers.delete(topic);
        this.client.unsubscribe(topic);
      }
    });
    if (Object.keys(fresh).length === 0) return unsubscribers;
    await new Promise((resolve, reject) => {
      this.client.subscribe(fresh, (err, granted) => {
        const refused = err ? [] : (granted || []).filter((g) => g.qos > 2);
        if (!err && refused.length === 0) {
          resolve();
          return;
        }
        // Nothing of this call stays: refused topics were never subscribed, granted ones are left.
        for (const [topic, handler, set] of added) {
          set.delete(handler);
          if (set.size > 0 || this.handlers.get(topic) !== set) continue;
          this.handlers.delete(topic);
          if (!err && !refused.some((g) => g.topic === topic)) this.client.unsubscribe(topic);
        }
        reject(err || new Error(`the node refused the subscription to ${refused[0].topic} (reason ${refused[0].qos})`));
      });
      this.flush();
    });
    return unsubscribers;
  }

  /**
   * Publishes a JSON message (QoS 1, never retained).
   * @param {string} topic
   * @param {object} message
   * @returns {Promise<void>} rejects with the broker's reason if it refused the message.
   */
  publish(topic, message) {
    return new Promise((resolve, reject) => {
      this.client.publish(topic, JSON.stringify(message), { qos: 1 }, (err, packet) => {
        if (err) reject(err);
        else if (packet && packet.reasonCode && packet.reasonCode >= 0x80) {
          reject(new Error(packet.properties?.reasonString || `refused (reason ${packet.reasonCode})`));
        } else resolve();
      });
      this.flush();
    });
  }

  /**
   * Writes what MQTT.js has just queued now, in this task. MQTT.js (mqtt-packet's writeToStream)
   * corks its stream while it writes a packet's parts and uncorks it on its `process.nextTick`,
   * which in the browser build is a `setTimeout(0)`: the packet would leave on a later task,
   * behind whatever else the page queued (a redraw, a description being made, a timer clamped to
   * 4 ms when nested), 2-14 ms at load in BrowserFiguresIT's timelines. Uncorking here sends the
   * packet's parts as the one WebSocket frame they would have been; the library's own uncork
   * later finds nothing corked and does nothing. Streams without cork are left alone.
   * @private
   */
  flush() {
    const stream = this.client.stream;
    if (!stream || typeof stream.uncork !== 'function') return;
    for (let corked = stream.writableCorked ?? 0; corked > 0; corked--) stream.uncork();
  }

  /** Re-subscribes every topic after a reconnect (the session is clean). */
  resubscribe() {
    for (const topic of this.handlers.keys()) this.client.subscribe(topic, this.subscribeOptions(topic));
    this.flush();
  }

  /** @private */
  dispatch(topic, payload, packet) {
    const set = this.handlers.get(topic);
    if (!set) return;
    const message = parseJson(new Uint8Array(payload));
    if (!message || typeof message !== 'object' || Array.isArray(message)) {
      this.onBadMessage(topic, 'payload is not a JSON object');
      return;
    }
    const sender = senderOf(packet);
    if (!sender) {
      this.onBadMessage(topic, 'message without a verified sender');
      return;
    }
    for (const h of [...set]) {
      try {
        h(message, sender, topic);
      } catch (e) {
        console.error('signaling handler failed', e);
      }
    }
  }

  /** Disconnects. */
  close() {
    this.client.end(true);
  }
}

/** The sender id stamped by the broker, from the `sb-sender` user property. */
function senderOf(packet) {
  const v = packet?.properties?.userProperties?.['sb-sender'];
  if (Array.isArray(v)) return v.length === 1 ? v[0] : null;
  return typeof v === 'string' ? v : null;
}

/** MQTT.js encodes binary properties from Buffer-like values; a Uint8Array view is enough. */
function toWireBytes(bytes) {
  return bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
}

function describeError(e) {
  const reasons = {
    0x85: 'the client id does not match the key',
    0x86: 'bad credentials',
    0x87: 'not authorized: the node refused this identity',
    0x8c: 'bad authentication method',
  };
  return (e && e.code && reasons[e.code]) || (e && e.message) || String(e);
}
