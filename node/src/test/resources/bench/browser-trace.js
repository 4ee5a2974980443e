// The page's timeline for BrowserFiguresIT (issue 13: where the time of "page load to ready" and of
// "Join to connected" goes). Installed before any of the page's scripts (Playwright's init script):
// it wraps, without changing what they do, the WebCrypto calls, IndexedDB's open, the WebSocket
// (each MQTT packet sent and received, PUBLISHes with their message type) and RTCPeerConnection
// (descriptions set, ICE gathering and connection states, getStats, data channels opening), and
// records the status line's texts. Entries: [start ms, what, end ms or undefined], in page time
// (performance.now(), ms since navigation start), in window.__benchTrace.
(() => {
  const trace = window.__benchTrace = [];
  const now = () => performance.now();
  const at = (what) => trace.push([now(), what]);
  const span = (what, started, promise) => {
    promise.then(() => trace.push([started, what, now()]), () => trace.push([started, `${what} (failed)`, now()]));
    return promise;
  };

  const subtle = crypto.subtle;
  if (subtle) {
    for (const name of ['deriveBits', 'generateKey', 'importKey', 'exportKey', 'sign', 'verify', 'encrypt', 'decrypt', 'digest']) {
      const original = subtle[name].bind(subtle);
      subtle[name] = (...args) => {
        const label = name === 'importKey' ? `${args[0]} ${args[2]?.name ?? args[2]}`
          : (args[0] && typeof args[0] === 'object' ? args[0].name : String(args[0]));
        return span(`crypto ${name} ${label}`, now(), original(...args));
      };
    }
  }

  const idbOpen = indexedDB.open.bind(indexedDB);
  indexedDB.open = (...args) => {
    const started = now();
    const req = idbOpen(...args);
    req.addEventListener('success', () => trace.push([started, 'indexedDB open', now()]));
    return req;
  };

  const TYPES = ['?', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE',
    'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];
  const decoder = new TextDecoder();
  const describe = (data) => {
    let bytes;
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else return typeof data;
    const out = [];
    let i = 0;
    while (i < bytes.length && out.length < 8) {
      const type = bytes[i] >> 4;
      let length = 0;
      let shift = 0;
      let j = i + 1;
      while (j < bytes.length && shift <= 21) {
        const b = bytes[j++];
        length |= (b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) === 0) break;
      }
      const end = Math.min(bytes.length, j + length);
      let what = TYPES[type];
      if (type === 3) {
        const m = /"type":"([a-z-]+)"/.exec(decoder.decode(bytes.subarray(j, end)));
        what += ` ${m ? m[1] : '?'}`;
      }
      out.push(what);
      if (end <= i) break;
      i = end;
    }
    return out.join('+');
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      at('ws new');
      this.addEventListener('open', () => at('ws open'));
      this.addEventListener('message', (e) => at(`ws in ${describe(e.data)}`));
    }

    send(data) {
      at(`ws out ${describe(data)}`);
      return super.send(data);
    }
  };

  const NativePeerConnection = window.RTCPeerConnection;
  if (NativePeerConnection) {
    window.RTCPeerConnection = class extends NativePeerConnection {
      constructor(...args) {
        const started = now();
        super(...args);
        trace.push([started, 'pc new', now()]);
        this.addEventListener('icegatheringstatechange', () => at(`pc gathering ${this.iceGatheringState}`));
        this.addEventListener('iceconnectionstatechange', () => at(`pc ice ${this.iceConnectionState}`));
        this.addEventListener('connectionstatechange', () => at(`pc connection ${this.connectionState}`));
        this.addEventListener('signalingstatechange', () => at(`pc signaling ${this.signalingState}`));
        this.addEventListener('icecandidate', (e) => at(`pc candidate ${e.candidate ? `${e.candidate.type} ${e.candidate.protocol}` : 'end'}`));
      }

      setLocalDescription(...args) {
        return span(`pc setLocalDescription ${args[0]?.type ?? ''}`.trim(), now(), super.setLocalDescription(...args));
      }

      setRemoteDescription(...args) {
        return span(`pc setRemoteDescription ${args[0]?.type ?? ''}`.trim(), now(), super.setRemoteDescription(...args));
      }

      getStats(...args) {
        return span('pc getStats', now(), super.getStats(...args));
      }

      createDataChannel(...args) {
        const started = now();
        const channel = super.createDataChannel(...args);
        trace.push([started, `pc createDataChannel ${channel.label}`, now()]);
        channel.addEventListener('open', () => at(`dc open ${channel.label}`));
        return channel;
      }
    };
    const generate = NativePeerConnection.generateCertificate?.bind(NativePeerConnection);
    if (generate) {
      window.RTCPeerConnection.generateCertificate = (...args) => span('pc generateCertificate', now(), generate(...args));
    }
  }

  // Timers: a callback that ran 2 ms or more after it was due, or for 2 ms or more, is a span
  // "timer <delay> late <ms>" over its run (MQTT.js writes and reads on setTimeout(0) ticks: how
  // late they come says what else held the main thread: a redraw, a description being made).
  const nativeSetTimeout = window.setTimeout.bind(window);
  window.setTimeout = (callback, delay, ...args) => {
    if (typeof callback !== 'function') return nativeSetTimeout(callback, delay, ...args);
    const due = now() + Math.max(0, Number(delay) || 0);
    return nativeSetTimeout(() => {
      const started = now();
      try {
        callback(...args);
      } finally {
        const ended = now();
        const late = started - due;
        if (late >= 2 || ended - started >= 2) trace.push([started, `timer ${Number(delay) || 0} late ${late.toFixed(1)}`, ended]);
      }
    }, delay);
  };

  // Main-thread tasks over 50 ms (Long Tasks API): what keeps the page from reacting.
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) trace.push([e.startTime, `long task (${e.name})`, e.startTime + e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // no Long Tasks API
  }

  let lastStatus = null;
  new MutationObserver(() => {
    const status = document.getElementById('status');
    const text = status ? status.textContent.slice(0, 48) : null;
    if (text && text !== lastStatus) {
      lastStatus = text;
      at(`status ${text}`);
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
})();
