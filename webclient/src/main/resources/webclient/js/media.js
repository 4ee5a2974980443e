/**
 * Audio and video for a session: the quality presets, the codec order with a fallback every
 * browser has, and what a pair of `getStats()` reports say about the call (round trip, bitrates,
 * loss, frames, resolution, codecs, relayed or direct). Pure functions over plain values; the
 * call view applies them to RTCPeerConnections.
 * @module media
 */

/**
 * @typedef {object} Quality a video quality the person can choose.
 * @property {string} label e.g. `720p`.
 * @property {number} width capture width, pixels.
 * @property {number} height capture height, pixels.
 * @property {number} maxBitrate sender's `maxBitrate` (RTCRtpEncodingParameters), bits per second.
 */

/** The qualities offered, lowest first (bitrates as TempChat found they start without a slow ramp). */
export const QUALITIES = Object.freeze({
  '360p': Object.freeze({ label: '360p', width: 640, height: 360, maxBitrate: 500_000 }),
  '720p': Object.freeze({ label: '720p', width: 1280, height: 720, maxBitrate: 2_000_000 }),
  '1080p': Object.freeze({ label: '1080p', width: 1920, height: 1080, maxBitrate: 4_500_000 }),
});

/** The default quality: good on most links, kind to phones. */
export const DEFAULT_QUALITY = '720p';

/**
 * Video codecs in the order we prefer them; everything else keeps its place after these. VP8 is
 * the fallback every WebRTC browser has (RFC 7742 §5 makes VP8 and H.264 mandatory), so a
 * preference never leaves two browsers without a common codec.
 */
export const VIDEO_CODEC_ORDER = Object.freeze(['video/AV1', 'video/VP9', 'video/H264', 'video/VP8']);

/**
 * Orders codec capabilities (RTCRtpCodecCapability, from `RTCRtpReceiver.getCapabilities`) for
 * `setCodecPreferences`: the preferred ones first in {@link VIDEO_CODEC_ORDER}, then every other
 * (RTX, RED, ULPFEC…) in its original order. Nothing is dropped, so the fallback stays.
 * @param {{mimeType: string}[]} codecs
 * @param {readonly string[]} [order]
 * @returns {{mimeType: string}[]} a new array.
 */
export function orderCodecs(codecs, order = VIDEO_CODEC_ORDER) {
  const rank = (c) => {
    const i = order.findIndex((m) => m.toLowerCase() === c.mimeType.toLowerCase());
    return i < 0 ? order.length : i;
  };
  return codecs.map((c, i) => ({ c, i })).sort((x, y) => rank(x.c) - rank(y.c) || x.i - y.i).map((x) => x.c);
}

/**
 * Whether an SDP asks for Opus in-band FEC (RFC 7587 §6.1 `useinbandfec=1`) on its Opus payload.
 * @param {string} sdp
 * @returns {boolean}
 */
export function opusFecOn(sdp) {
  const pt = /^a=rtpmap:(\d+) opus\/48000/im.exec(sdp)?.[1];
  if (!pt) return false;
  return new RegExp(`^a=fmtp:${pt} .*useinbandfec=1`, 'im').test(sdp);
}

/**
 * @typedef {object} CallStats one sample, from two `getStats()` reports a known time apart.
 * @property {number|null} rttMillis current round-trip time of the selected candidate pair.
 * @property {number} bitrateInKbps received, all media and data.
 * @property {number} bitrateOutKbps sent, all media and data.
 * @property {number|null} lossPercent inbound RTP packets lost, of those expected, since the last sample.
 * @property {number|null} fps frames per second decoded (inbound video).
 * @property {string} resolution inbound video, e.g. `1280×720`, '' without video.
 * @property {string[]} codecs active codecs, e.g. `['opus', 'VP8']`.
 * @property {boolean|null} relayed whether the selected remote candidate is the node's relay.
 * @property {number} framesDecoded inbound video, in all.
 * @property {number|null} audioLevel inbound audio, 0..1.
 * @property {number} audioBytesReceived
 * @property {number} audioEnergy inbound audio's `totalAudioEnergy` (grows only while sound arrives).
 */

/**
 * @param {Map<string, object>|RTCStatsReport} now the current report.
 * @param {Map<string, object>|RTCStatsReport|null} before the previous one (null: first sample).
 * @param {string} relayHost the node's relay address.
 * @returns {CallStats}
 */
export function callStats(now, before, relayHost) {
  const list = (r) => {
    const out = [];
    r?.forEach((s) => out.push(s));
    return out;
  };
  const cur = list(now);
  const prev = before ? new Map(list(before).map((s) => [s.id, s])) : new Map();
  const get = (id) => cur.find((s) => s.id === id);
  let pair = null;
  for (const s of cur) if (s.type === 'transport' && s.selectedCandidatePairId) pair = get(s.selectedCandidatePairId);
  if (!pair) pair = cur.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated) || null;
  const remote = pair ? get(pair.remoteCandidateId) : null;
  const rate = (s, field) => {
    const p = prev.get(s.id);
    if (!p || !(s.timestamp > p.timestamp)) return 0;
    return ((s[field] - p[field]) * 8) / (s.timestamp - p.timestamp); // bits per ms = kbit/s
  };
  let bitrateInKbps = 0;
  let bitrateOutKbps = 0;
  if (pair) {
    bitrateInKbps = rate(pair, 'bytesReceived');
    bitrateOutKbps = rate(pair, 'bytesSent');
  }
  let lost = 0;
  let received = 0;
  let fps = null;
  let resolution = '';
  let framesDecoded = 0;
  let audioLevel = null;
  let audioBytesReceived = 0;
  let audioEnergy = 0;
  const codecs = new Set();
  for (const s of cur) {
    if (s.type !== 'inbound-rtp' && s.type !== 'outbound-rtp') continue;
    const codec = s.codecId ? get(s.codecId) : null;
    if (codec?.mimeType && (s.bytesReceived > 0 || s.bytesSent > 0)) codecs.add(codec.mimeType.split('/')[1]);
    if (s.type !== 'inbound-rtp') continue;
    const p = prev.get(s.id);
    lost += Math.max(0, (s.packetsLost ?? 0) - (p?.packetsLost ?? 0));
    received += Math.max(0, (s.packetsReceived ?? 0) - (p?.packetsReceived ?? 0));
    const kind = s.kind || s.mediaType;
    if (kind === 'video') {
      framesDecoded += s.framesDecoded ?? 0;
      if (s.framesPerSecond !== undefined) fps = s.framesPerSecond;
      if (s.frameWidth) resolution = `${s.frameWidth}×${s.frameHeight}`;
    } else if (kind === 'audio') {
      audioBytesReceived += s.bytesReceived ?? 0;
      if (s.audioLevel !== undefined) audioLevel = s.audioLevel;
      audioEnergy += s.totalAudioEnergy ?? 0;
    }
  }
  return {
    rttMillis: pair && pair.currentRoundTripTime !== undefined ? pair.currentRoundTripTime * 1000 : null,
    bitrateInKbps: Math.max(0, bitrateInKbps),
    bitrateOutKbps: Math.max(0, bitrateOutKbps),
    lossPercent: lost + received > 0 ? (100 * lost) / (lost + received) : null,
    fps,
    resolution,
    codecs: [...codecs],
    relayed: remote ? (remote.address || remote.ip) === relayHost : null,
    framesDecoded,
    audioLevel,
    audioBytesReceived,
    audioEnergy,
  };
}

/**
 * The points of an SVG polyline for a sparkline.
 * @param {number[]} values oldest first.
 * @param {number} width
 * @param {number} height
 * @param {number} [slots] how many samples the width holds (a minute at one a second: 60).
 * @returns {string} `x,y x,y …`, '' for no values; the largest value touches the top.
 */
export function sparkline(values, width, height, slots = 60) {
  if (values.length === 0) return '';
  const max = Math.max(...values, 1e-9);
  const step = width / Math.max(1, slots - 1);
  const start = width - step * (values.length - 1);
  return values.map((v, i) => `${(start + i * step).toFixed(1)},${(height - (v / max) * height).toFixed(1)}`).join(' ');
}
