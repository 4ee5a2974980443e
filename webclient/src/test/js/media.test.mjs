// Unit tests of media.js: presets, codec order with fallback, FEC detection, stats from two reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const js = (name) => pathToFileURL(path.resolve(process.env.WEBCLIENT_JS ?? 'target/classes/webclient/js', name)).href;
const m = await import(js('media.js'));

test('qualities set resolution and bitrate', () => {
  assert.deepEqual(Object.keys(m.QUALITIES), ['360p', '720p', '1080p']);
  assert.equal(m.QUALITIES['1080p'].height, 1080);
  assert.equal(m.QUALITIES['360p'].maxBitrate, 500000);
  assert.ok(m.QUALITIES[m.DEFAULT_QUALITY]);
});

test('orderCodecs puts the preferred first and keeps every other codec (the fallback stays)', () => {
  const caps = ['video/VP8', 'video/rtx', 'video/H264', 'video/VP9', 'video/red', 'video/AV1'].map((mimeType) => ({ mimeType }));
  assert.deepEqual(m.orderCodecs(caps).map((c) => c.mimeType),
    ['video/AV1', 'video/VP9', 'video/H264', 'video/VP8', 'video/rtx', 'video/red']);
  assert.deepEqual(m.orderCodecs([{ mimeType: 'video/VP8' }, { mimeType: 'video/rtx' }]).map((c) => c.mimeType), ['video/VP8', 'video/rtx']);
});

test('opusFecOn reads useinbandfec on the Opus payload type only', () => {
  assert.equal(m.opusFecOn('m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n'), true);
  assert.equal(m.opusFecOn('a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10\r\n'), false);
  assert.equal(m.opusFecOn('a=rtpmap:111 opus/48000/2\r\na=fmtp:112 useinbandfec=1\r\n'), false);
  assert.equal(m.opusFecOn('v=0\r\n'), false);
});

test('callStats: rtt, bitrates, loss, video, codecs and the relay from two reports', () => {
  const report = (t, bytes, lost, recv, frames) => new Map(Object.entries({
    T: { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
    P: { id: 'P', type: 'candidate-pair', timestamp: t, bytesReceived: bytes, bytesSent: bytes / 2, currentRoundTripTime: 0.012, remoteCandidateId: 'R' },
    R: { id: 'R', type: 'remote-candidate', address: '10.0.0.1' },
    V: { id: 'V', type: 'inbound-rtp', kind: 'video', timestamp: t, codecId: 'C', bytesReceived: bytes, packetsLost: lost, packetsReceived: recv, framesPerSecond: 30, frameWidth: 1280, frameHeight: 720, framesDecoded: frames },
    A: { id: 'A', type: 'inbound-rtp', kind: 'audio', timestamp: t, codecId: 'O', bytesReceived: 500, packetsLost: 0, packetsReceived: recv, audioLevel: 0.25 },
    C: { id: 'C', type: 'codec', mimeType: 'video/VP8' },
    O: { id: 'O', type: 'codec', mimeType: 'audio/opus' },
  }));
  const s = m.callStats(report(2000, 250000, 10, 200, 60), report(1000, 0, 0, 0, 0), '10.0.0.1');
  assert.equal(s.rttMillis, 12);
  assert.equal(s.bitrateInKbps, 2000);
  assert.equal(s.bitrateOutKbps, 1000);
  assert.equal(s.lossPercent, 100 * 10 / 410);
  assert.equal(s.fps, 30);
  assert.equal(s.resolution, '1280×720');
  assert.deepEqual(s.codecs.sort(), ['VP8', 'opus']);
  assert.equal(s.relayed, true);
  assert.equal(s.framesDecoded, 60);
  assert.equal(s.audioLevel, 0.25);
  assert.equal(m.callStats(report(2000, 1, 0, 0, 0), null, '10.9.9.9').relayed, false);
  assert.equal(m.callStats(new Map(), null, 'x').rttMillis, null);
});

test('sparkline: newest at the right edge, the largest value at the top', () => {
  assert.equal(m.sparkline([], 100, 20), '');
  assert.equal(m.sparkline([0, 10], 100, 20, 2), '0.0,20.0 100.0,0.0');
  assert.equal(m.sparkline([5], 60, 10).split(' ').length, 1);
});
