/**
 * File transfers with one peer over the session's `file` channel (docs/protocol.md §10.2): offer
 * one or more files, the receiver accepts or refuses each, accepted ones are sent one at a time
 * in 16 KiB frames paced by the channel's `bufferedAmount` (never above a high-water mark; resumed
 * on `bufferedamountlow`), hashed with SHA-256 on both sides as they pass, written on the
 * receiver to a sink (the File System Access API where the person chose a file, else Blob parts),
 * and offered for saving only once the digests match. Either side may cancel any transfer.
 *
 * Memory stays bounded on both sides: the sender reads 1 MiB of the file at a time and keeps at
 * most the high-water mark in the channel; the receiver keeps one 1 MiB buffer, the rest is in
 * the sink (on disk, or in the browser's Blob storage, outside the JS heap).
 *
 * Threading: browser main thread.
 * @module files
 */
import { randomNonce } from './encoding.js';
import * as protocol from './protocol.js';
import { Sha256 } from './sha256.js';

/** Bytes read from a file at a time. */
const BLOCK = 1024 * 1024;
/** Bytes a receiver collects before handing them to its sink. */
const SINK_BUFFER = 1024 * 1024;

/**
 * @typedef {'offered'|'accepted'|'sending'|'receiving'|'verifying'|'sent'|'done'|'refused'|'cancelled'|'failed'} TransferState
 * Sender: offered → accepted → sending → sent (or refused, cancelled, failed). Receiver:
 * offered → accepted → receiving → verifying → done (or refused, cancelled, failed: the digest or
 * size did not match, or the session ended).
 */

/**
 * @typedef {object} Transfer
 * @property {string} id
 * @property {'out'|'in'} direction
 * @property {string} name
 * @property {number} size bytes.
 * @property {string} mime
 * @property {TransferState} state
 * @property {number} bytes sender: handed to the channel; receiver: received.
 * @property {number} startedAt ms (performance.now()) when the first byte moved, 0 before.
 * @property {string} sha256 hex, once known (sender: at the end; receiver: when checked).
 * @property {string} expectedSha256 receiver: the sender's digest.
 * @property {boolean} cancelledByPeer
 * @property {number} maxBuffered sender: the largest `bufferedAmount` seen after a send.
 * @property {string|null} url receiver, done with a Blob sink: an object URL to save it from.
 * @property {string} savedTo receiver: 'disk' (File System Access) or 'blob'.
 * @property {''|'no-digest'|'mismatch'|'size'} failure receiver: why a finished transfer was not
 *   offered for saving: the sender gave no SHA-256, it did not match, or the byte count was wrong.
 */

/**
 * A place the receiver writes to. `write` may be async; calls are serialized.
 * @typedef {object} Sink
 * @property {(bytes: Uint8Array) => (void|Promise<void>)} write
 * @property {() => Promise<string|null>} close commits; resolves to an object URL (Blob) or null (disk).
 * @property {() => Promise<void>} abort discards what was written.
 * @property {'disk'|'blob'} kind
 */

/**
 * @param {string} mime
 * @returns {Sink} Blob parts of 1 MiB each (the browser keeps large Blobs out of the JS heap).
 */
export function blobSink(mime = '') {
  let parts = [];
  return {
    kind: 'blob',
    write(bytes) {
      parts.push(new Blob([bytes]));
    },
    async close() {
      const blob = new Blob(parts, { type: mime || 'application/octet-stream' });
      parts = [];
      return URL.createObjectURL(blob);
    },
    async abort() {
      parts = [];
    },
  };
}

/**
 * Asks the person where to save (File System Access API); must run in a click handler.
 * Chromium writes to a temporary file and replaces the target only on `close()`, so an aborted
 * or unverified transfer leaves nothing behind.
 * @param {string} name suggested file name.
 * @returns {Promise<Sink|null>} null where the API is missing or the person cancelled the picker.
 */
export async function diskSink(name) {
  if (typeof globalThis.showSaveFilePicker !== 'function') return null;
  let writable;
  try {
    const handle = await globalThis.showSaveFilePicker({ suggestedName: name });
    writable = await handle.createWritable();
  } catch {
    return null;
  }
  return {
    kind: 'disk',
    write: (bytes) => writable.write(bytes),
    async close() {
      await writable.close();
      return null;
    },
    abort: () => writable.abort().catch(() => {}),
  };
}

export class FileTransfers {
  /**
   * @param {object} o
   * @param {import('./session.js').Session} o.session the session with the peer.
   * @param {(t: Transfer) => void} o.onChange a transfer changed (state or progress).
   * @param {number} [o.highWaterMark] most bytes the channel may buffer; default 4 MiB.
   * @param {number} [o.lowWaterMark] `bufferedAmountLowThreshold`; default 1 MiB.
   * @param {() => number} [o.now] ms clock; default `performance.now`.
   */
  constructor(o) {
    this.session = o.session;
    this.onChange = o.onChange;
    this.highWaterMark = o.highWaterMark ?? 4 * 1024 * 1024;
    this.lowWaterMark = o.lowWaterMark ?? 1024 * 1024;
    this.now = o.now || (() => performance.now());
    /** @type {Map<string, Transfer & {file?: Blob, sink?: Sink, hash?: Sha256, pending?: Uint8Array, fill?: number, writes?: Promise<void>}>} */
    this.transfers = new Map();
    /** @private the incoming transfer the binary frames belong to (the last `file-start`). */
    this.current = null;
    /** @private */
    this.pumping = false;
  }

  /**
   * Offers files to the peer.
   * @param {Iterable<File>} files
   * @returns {Transfer[]} the new outgoing transfers (state `offered`), or none if the channel is closed.
   */
  offer(files) {
    const out = [];
    for (const file of files) {
      const t = this.add({
        id: randomNonce(9), direction: 'out', name: (file.name || 'file').slice(0, 255), size: file.size,
        mime: file.type || '', file,
      });
      if (!this.session.send('file', protocol.file(t.id, { name: t.name, size: t.size, mime: t.mime }))) {
        t.state = 'failed';
      }
      this.changed(t);
      out.push(t);
    }
    return out;
  }

  /**
   * Accepts an offered file.
   * @param {string} id
   * @param {Sink} [sink] where to write it; default Blob parts.
   * @returns {boolean} whether there was such an offer.
   */
  accept(id, sink) {
    const t = this.transfers.get(id);
    if (!t || t.direction !== 'in' || t.state !== 'offered') return false;
    t.sink = sink || blobSink(t.mime);
    t.savedTo = t.sink.kind;
    t.state = 'accepted';
    this.session.send('file', protocol.fileAccept(id));
    this.changed(t);
    return true;
  }

  /**
   * Refuses an offered file.
   * @param {string} id
   */
  refuse(id) {
    const t = this.transfers.get(id);
    if (!t || t.direction !== 'in' || t.state !== 'offered') return;
    t.state = 'refused';
    this.session.send('file', protocol.fileRefuse(id));
    this.changed(t);
  }

  /**
   * Cancels a transfer from this side, at any point before it ended.
   * @param {string} id
   */
  cancel(id) {
    const t = this.transfers.get(id);
    if (!t || isOver(t.state)) return;
    this.session.send('file', protocol.fileCancel(id));
    this.stop(t, 'cancelled');
  }

  /** Ends every open transfer (the session is over). */
  close() {
    for (const t of this.transfers.values()) if (!isOver(t.state)) this.stop(t, 'failed');
  }

  /**
   * Handles a message from the peer's `file` channel (already checked by `protocol.readChannelMessage`).
   * @param {import('./protocol.js').ChannelMessage} m
   */
  receive(m) {
    if (m.type === 'file-data') {
      this.onData(m.bytes);
      return;
    }
    const t = this.transfers.get(m.id);
    switch (m.type) {
      case 'file':
        if (t) return; // an id is used once
        this.changed(this.add({ id: m.id, direction: 'in', name: m.name, size: m.size, mime: m.mime }));
        return;
      case 'file-accept':
        if (t && t.direction === 'out' && t.state === 'offered') {
          t.state = 'accepted';
          this.changed(t);
          this.pump();
        }
        return;
      case 'file-refuse':
        if (t && t.direction === 'out' && t.state === 'offered') {
          t.state = 'refused';
          this.changed(t);
        }
        return;
      case 'file-start':
        this.current = t && t.direction === 'in' && t.state === 'accepted' ? t : null;
        if (this.current) {
          t.state = 'receiving';
          t.hash = new Sha256();
          t.pending = new Uint8Array(Math.min(SINK_BUFFER, Math.max(1, t.size)));
          t.fill = 0;
          t.writes = Promise.resolve();
          t.startedAt = this.now();
          this.changed(t);
        }
        return;
      case 'file-end':
        if (t && t === this.current) this.finish(t, m.sha256 || '');
        return;
      case 'file-cancel':
        if (t && !isOver(t.state)) {
          t.cancelledByPeer = true;
          this.stop(t, 'cancelled');
        }
        return;
      default:
    }
  }

  /** @returns {Transfer[]} every transfer, oldest first (plain data, for tests and the UI). */
  list() {
    return [...this.transfers.values()].map((t) => ({
      id: t.id, direction: t.direction, name: t.name, size: t.size, mime: t.mime, state: t.state, bytes: t.bytes,
      startedAt: t.startedAt, sha256: t.sha256, expectedSha256: t.expectedSha256, cancelledByPeer: t.cancelledByPeer,
      maxBuffered: t.maxBuffered, url: t.url, savedTo: t.savedTo, failure: t.failure, highWaterMark: this.highWaterMark,
    }));
  }

  /**
   * Bytes that really left this side (sent minus still buffered), or arrived on the receiving side.
   * @param {Transfer} t
   * @returns {number}
   */
  progress(t) {
    if (t.direction === 'in' || t.state !== 'sending') return t.bytes;
    const buffered = this.session.channel('file')?.bufferedAmount ?? 0;
    return Math.max(0, t.bytes - buffered);
  }

  /** @private */
  add(fields) {
    const t = {
      state: 'offered', bytes: 0, startedAt: 0, sha256: '', expectedSha256: '', cancelledByPeer: false,
      maxBuffered: 0, url: null, savedTo: '', failure: '', ...fields,
    };
    this.transfers.set(t.id, t);
    return t;
  }

  /** @private */
  changed(t) {
    try {
      this.onChange(t);
    } catch (e) {
      console.error('files: onChange failed', e);
    }
  }

  /** @private */
  stop(t, state) {
    t.state = state;
    if (t === this.current) this.current = null;
    if (t.direction === 'in' && t.sink) {
      const sink = t.sink;
      (t.writes || Promise.resolve()).then(() => sink.abort()).catch(() => {});
    }
    t.file = undefined;
    this.changed(t);
  }

  /** @private sends accepted transfers one at a time, in the order they were accepted. */
  async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const next = [...this.transfers.values()].find((t) => t.direction === 'out' && t.state === 'accepted');
        if (!next) break;
        await this.sendOne(next);
      }
    } catch (e) {
      console.error('files: sending failed', e);
    } finally {
      this.pumping = false;
    }
  }

  /** @private */
  async sendOne(t) {
    const channel = this.session.channel('file');
    if (!channel || !this.session.send('file', protocol.fileStart(t.id))) {
      this.stop(t, 'failed');
      return;
    }
    channel.bufferedAmountLowThreshold = this.lowWaterMark;
    t.state = 'sending';
    t.startedAt = this.now();
    this.changed(t);
    const hash = new Sha256();
    let lastReport = 0;
    for (let offset = 0; offset < t.size;) {
      if (t.state !== 'sending') return;
      const block = new Uint8Array(await t.file.slice(offset, offset + BLOCK).arrayBuffer());
      if (block.length === 0) break;
      hash.update(block);
      for (let i = 0; i < block.length; i += protocol.MAX_FILE_CHUNK) {
        const frame = block.subarray(i, i + protocol.MAX_FILE_CHUNK);
        // Backpressure: never more than the high-water mark in the channel's buffer.
        while (channel.readyState === 'open' && channel.bufferedAmount + frame.length > this.highWaterMark) {
          await bufferedAmountLow(channel);
        }
        if (t.state !== 'sending') return;
        if (channel.readyState !== 'open' || !this.session.send('file', frame)) {
          this.stop(t, 'failed');
          return;
        }
        t.maxBuffered = Math.max(t.maxBuffered, channel.bufferedAmount);
        t.bytes = offset + i + frame.length;
        const now = this.now();
        if (now - lastReport > 200) {
          lastReport = now;
          this.changed(t);
        }
      }
      offset += block.length;
    }
    if (t.state !== 'sending') return;
    t.sha256 = hash.hex();
    this.session.send('file', protocol.fileEnd(t.id, t.sha256));
    t.state = 'sent';
    t.file = undefined;
    this.changed(t);
  }

  /** @private a binary frame of the current incoming transfer. */
  onData(bytes) {
    const t = this.current;
    if (!t || t.state !== 'receiving') return; // frames of a transfer this side cancelled, or none open
    if (t.bytes + bytes.length > t.size) {
      this.cancel(t.id); // more than announced (§10.2)
      return;
    }
    t.hash.update(bytes);
    t.bytes += bytes.length;
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(bytes.length - at, t.pending.length - t.fill);
      t.pending.set(bytes.subarray(at, at + n), t.fill);
      t.fill += n;
      at += n;
      if (t.fill === t.pending.length) this.flushSink(t);
    }
    const now = this.now();
    if (!t.lastReport || now - t.lastReport > 200) {
      t.lastReport = now;
      this.changed(t);
    }
  }

  /** @private hands the receive buffer to the sink (serialized). */
  flushSink(t) {
    if (t.fill === 0) return;
    const chunk = t.pending.slice(0, t.fill);
    t.fill = 0;
    const sink = t.sink;
    t.writes = t.writes.then(() => sink.write(chunk));
  }

  /** @private the sender says it sent everything: check size and digest, then commit. */
  async finish(t, expected) {
    this.current = null;
    this.flushSink(t);
    t.state = 'verifying';
    t.expectedSha256 = expected;
    t.sha256 = t.hash.hex();
    this.changed(t);
    try {
      await t.writes;
    } catch {
      this.stop(t, 'failed');
      return;
    }
    if (t.state !== 'verifying') return;
    if (t.bytes !== t.size || !expected || t.sha256 !== expected) {
      t.failure = t.bytes !== t.size ? 'size' : !expected ? 'no-digest' : 'mismatch';
      this.session.send('file', protocol.fileCancel(t.id));
      this.stop(t, 'failed');
      return;
    }
    t.url = await t.sink.close();
    t.state = 'done';
    this.changed(t);
  }
}

/** @param {TransferState} state */
function isOver(state) {
  return state === 'sent' || state === 'done' || state === 'refused' || state === 'cancelled' || state === 'failed';
}

/** Resolves on `bufferedamountlow` or close, or after 1 s at the latest (the caller checks again). */
function bufferedAmountLow(channel) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      channel.removeEventListener('bufferedamountlow', done);
      channel.removeEventListener('close', done);
      resolve();
    };
    const timer = setTimeout(done, 1000);
    channel.addEventListener('bufferedamountlow', done);
    channel.addEventListener('close', done);
  });
}

/**
 * Progress of a transfer for display: bytes, rate and time left.
 * @param {number} done bytes done.
 * @param {number} size bytes in all.
 * @param {number} elapsedMillis since the transfer started.
 * @returns {{fraction: number, bytesPerSecond: number, secondsLeft: number|null}}
 */
export function progressOf(done, size, elapsedMillis) {
  const fraction = size > 0 ? Math.min(1, done / size) : 1;
  const bytesPerSecond = elapsedMillis > 0 ? (done * 1000) / elapsedMillis : 0;
  const secondsLeft = bytesPerSecond > 0 ? Math.max(0, (size - done) / bytesPerSecond) : null;
  return { fraction, bytesPerSecond, secondsLeft };
}
