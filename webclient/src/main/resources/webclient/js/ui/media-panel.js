/**
 * The call view's audio, video and statistics part: voice or video call, video added later
 * (renegotiated through the node like every offer, still relayed and signed), mute and camera
 * toggles that need no renegotiation, a quality choice (resolution and bitrate), the codec order
 * with VP8 as fallback, the remote video (full viewport on phones, with a self view one can drag),
 * and a live statistics panel with sparklines of the last minute.
 *
 * Mute sets the microphone track's `enabled` to false: the sender keeps sending, silence (so the
 * other side's audio level falls to zero at once); camera off replaces the video sender's track
 * with null and stops the camera, camera on replaces it with a new one (`replaceTrack`, no
 * renegotiation either way).
 *
 * Threading: browser main thread.
 * @module ui/media-panel
 */
import { QUALITIES, DEFAULT_QUALITY, callStats, orderCodecs, sparkline } from '../media.js';

/**
 * @param {HTMLElement} root the call view's root; the panel appends itself to it.
 * @param {import('./call-view.js').Link} link
 * @param {object} options
 * @param {string[]} [options.caps] what this page can do; default all.
 * @param {string} [options.relayHost] the node's relay address, to say whether a call is relayed.
 * @param {(text: string) => void} options.log a line for the chat log.
 * @returns {{destroy: () => void, onPeers: (peers: any[]) => void, stats: (peerId?: string) => Promise<object|null>,
 *   media: () => object}}
 */
export function mountMedia(root, link, options) {
  const doc = root.ownerDocument;
  const caps = options.caps ?? ['VOICE', 'VIDEO', 'FILE'];
  const el = doc.createElement('section');
  el.className = 'media';
  el.setAttribute('aria-label', 'Call');
  el.innerHTML = `
    <div class="media-actions">
      <button id="voice-call" type="button" hidden>Voice call</button>
      <button id="video-call" type="button" hidden>Video call</button>
      <button id="add-video" type="button" hidden>Add video</button>
      <button id="mute" type="button" aria-pressed="false" hidden>Mute</button>
      <button id="camera" type="button" aria-pressed="false" hidden>Camera off</button>
      <label class="quality" hidden>Quality <select id="quality">
        ${Object.keys(QUALITIES).map((q) => `<option${q === DEFAULT_QUALITY ? ' selected' : ''}>${q}</option>`).join('')}
      </select></label>
      <button id="end-media" type="button" hidden>End call</button>
      <button id="stats-toggle" type="button" aria-expanded="false" aria-controls="stats" disabled>Stats</button>
    </div>
    <div id="stage" hidden>
      <video id="remote-video" autoplay playsinline aria-label="The other person"></video>
      <video id="self-video" autoplay playsinline muted aria-label="You" hidden></video>
    </div>
    <div id="stats" hidden>
      <dl>
        <dt>Route</dt><dd id="stat-route">…</dd>
        <dt>Round trip</dt><dd id="stat-rtt">…</dd>
        <dt>In / out</dt><dd id="stat-bitrate">…</dd>
        <dt>Packet loss</dt><dd id="stat-loss">…</dd>
        <dt>Video</dt><dd id="stat-video">…</dd>
        <dt>Codecs</dt><dd id="stat-codecs">…</dd>
      </dl>
      <figure><svg id="spark-bitrate" viewBox="0 0 120 24" width="120" height="24" role="img" aria-label="Bitrate in, last minute">
        <polyline fill="none" stroke="#3b6fd8" stroke-width="1.5" points=""/></svg><figcaption>bitrate in, last minute</figcaption></figure>
      <figure><svg id="spark-rtt" viewBox="0 0 120 24" width="120" height="24" role="img" aria-label="Round trip, last minute">
        <polyline fill="none" stroke="#c0392b" stroke-width="1.5" points=""/></svg><figcaption>round trip, last minute</figcaption></figure>
    </div>`;
  root.append(el);
  const q = (sel) => el.querySelector(sel);
  const remoteVideo = q('#remote-video');
  const selfVideo = q('#self-video');
  /** @type {MediaStream|null} */
  let local = null;
  let quality = DEFAULT_QUALITY;
  let muted = false;
  /** @type {Map<string, {session: any, audio: RTCRtpSender|null, video: RTCRtpSender|null}>} */
  const senders = new Map();
  /** Sessions whose incoming tracks are shown. */
  const watched = new WeakSet();
  let peers = [];
  const history = { bitrate: [], rtt: [] };
  let previous = null;
  let statsTimer = null;

  const connected = () => peers.filter((p) => p.state === 'connected');
  const both = (cap) => caps.includes(cap) && connected().some((p) => Array.isArray(p.caps) && p.caps.includes(cap));

  function show() {
    const inCall = !!local;
    const hasVideo = !!local?.getVideoTracks().length || !!senders.size && [...senders.values()].some((s) => s.video);
    q('#voice-call').hidden = inCall || !both('VOICE');
    q('#video-call').hidden = inCall || !both('VIDEO');
    q('#add-video').hidden = !inCall || hasVideo || !both('VIDEO');
    q('#mute').hidden = !inCall;
    q('#camera').hidden = !inCall || !hasVideo;
    q('.quality').hidden = !both('VIDEO');
    q('#end-media').hidden = !inCall;
    q('#stats-toggle').disabled = connected().length === 0;
    q('#mute').textContent = muted ? 'Unmute' : 'Mute';
    q('#mute').setAttribute('aria-pressed', String(muted));
    const camOn = !!local?.getVideoTracks().some((t) => t.readyState === 'live');
    q('#camera').textContent = camOn ? 'Camera off' : 'Camera on';
    q('#camera').setAttribute('aria-pressed', String(!camOn));
    const remoteTracks = remoteVideo.srcObject?.getTracks().length ?? 0;
    q('#stage').hidden = !inCall && remoteTracks === 0;
    el.classList.toggle('in-call', !q('#stage').hidden);
    doc.body.classList.toggle('in-call', !q('#stage').hidden);
  }

  function videoConstraints() {
    const preset = QUALITIES[quality];
    return { width: { ideal: preset.width }, height: { ideal: preset.height }, frameRate: { ideal: 30 } };
  }

  /** Adds this side's tracks to one peer's session (new transceivers: the session renegotiates). */
  function attach(peerId) {
    const session = link.session(peerId);
    if (!session || !local) return;
    let s = senders.get(peerId);
    if (s && s.session !== session) s = null;
    if (!s) {
      s = { session, audio: null, video: null };
      senders.set(peerId, s);
    }
    const pc = session.pc;
    const audio = local.getAudioTracks()[0];
    if (audio && !s.audio) {
      s.audio = pc.addTransceiver(audio, { direction: 'sendrecv', streams: [local] }).sender;
    }
    const video = local.getVideoTracks()[0];
    if (video && !s.video) {
      const t = pc.addTransceiver(video, {
        direction: 'sendrecv', streams: [local], sendEncodings: [{ maxBitrate: QUALITIES[quality].maxBitrate }],
      });
      const codecs = globalThis.RTCRtpReceiver?.getCapabilities?.('video')?.codecs;
      if (codecs && t.setCodecPreferences) {
        try {
          t.setCodecPreferences(orderCodecs(codecs));
        } catch (e) {
          console.warn('media: codec preferences not applied', e);
        }
      }
      s.video = t.sender;
    }
  }

  /** Shows what peers send; called for every session seen. */
  function watch(session) {
    if (!session || watched.has(session)) return;
    watched.add(session);
    const add = (track, streams) => {
      let stream = remoteVideo.srcObject;
      if (!stream) {
        stream = streams?.[0] || new MediaStream();
        remoteVideo.srcObject = stream;
      }
      if (!stream.getTracks().includes(track)) stream.addTrack(track);
      remoteVideo.play?.().catch(() => {});
      show();
    };
    session.pc.addEventListener('track', (e) => add(e.track, e.streams));
    for (const r of session.pc.getReceivers()) {
      if (r.track && r.track.readyState === 'live' && session.pc.getTransceivers().some((t) => t.receiver === r && t.currentDirection && t.currentDirection !== 'inactive' && t.currentDirection !== 'sendonly')) {
        add(r.track, null);
      }
    }
  }

  async function start(withVideo) {
    try {
      local = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true },
        video: withVideo ? videoConstraints() : false,
      });
    } catch (e) {
      options.log(`Could not start the ${withVideo ? 'camera' : 'microphone'}: ${e.message}`);
      local = null;
      return;
    }
    muted = false;
    selfVideo.srcObject = local;
    selfVideo.hidden = !withVideo;
    for (const p of connected()) attach(p.id);
    options.log(withVideo ? 'Video call started.' : 'Voice call started.');
    show();
  }

  async function addVideo() {
    if (!local) return;
    let track;
    try {
      [track] = (await navigator.mediaDevices.getUserMedia({ video: videoConstraints() })).getVideoTracks();
    } catch (e) {
      options.log(`Could not start the camera: ${e.message}`);
      return;
    }
    local.addTrack(track);
    selfVideo.srcObject = local;
    selfVideo.hidden = false;
    for (const p of connected()) attach(p.id);
    options.log('Video added.');
    show();
  }

  function toggleMute() {
    if (!local) return;
    muted = !muted;
    for (const t of local.getAudioTracks()) t.enabled = !muted;
    show();
  }

  async function toggleCamera() {
    if (!local) return;
    const live = local.getVideoTracks().find((t) => t.readyState === 'live');
    if (live) {
      for (const s of senders.values()) await s.video?.replaceTrack(null);
      live.stop();
      local.removeTrack(live);
      selfVideo.hidden = true;
    } else {
      let track;
      try {
        [track] = (await navigator.mediaDevices.getUserMedia({ video: videoConstraints() })).getVideoTracks();
      } catch (e) {
        options.log(`Could not start the camera: ${e.message}`);
        return;
      }
      local.addTrack(track);
      for (const s of senders.values()) await s.video?.replaceTrack(track);
      selfVideo.srcObject = local;
      selfVideo.hidden = false;
    }
    show();
  }

  async function setQuality(name) {
    if (!QUALITIES[name]) return;
    quality = name;
    const preset = QUALITIES[name];
    for (const t of local?.getVideoTracks() ?? []) {
      await t.applyConstraints({ width: { ideal: preset.width }, height: { ideal: preset.height } }).catch(() => {});
    }
    for (const s of senders.values()) {
      if (!s.video) continue;
      const params = s.video.getParameters();
      if (!params.encodings?.length) continue;
      params.encodings.forEach((e) => { e.maxBitrate = preset.maxBitrate; });
      await s.video.setParameters(params).catch((e) => console.warn('media: bitrate not applied', e));
    }
  }

  function end() {
    if (!local) return;
    for (const t of local.getTracks()) t.stop();
    for (const s of senders.values()) {
      for (const sender of [s.audio, s.video]) {
        try {
          if (sender && s.session.pc.signalingState !== 'closed') s.session.pc.removeTrack(sender);
        } catch {
          // the session ended meanwhile
        }
      }
    }
    senders.clear();
    local = null;
    selfVideo.srcObject = null;
    options.log('Call ended on this side.');
    show();
  }

  // A self view one can move with a finger or the mouse (phones: over the full-screen remote video).
  let drag = null;
  selfVideo.addEventListener('pointerdown', (e) => {
    drag = { dx: e.clientX - selfVideo.offsetLeft, dy: e.clientY - selfVideo.offsetTop };
    selfVideo.setPointerCapture?.(e.pointerId);
  });
  selfVideo.addEventListener('pointermove', (e) => {
    if (!drag) return;
    selfVideo.style.left = `${Math.max(0, e.clientX - drag.dx)}px`;
    selfVideo.style.top = `${Math.max(0, e.clientY - drag.dy)}px`;
    selfVideo.style.right = 'auto';
    selfVideo.style.bottom = 'auto';
  });
  selfVideo.addEventListener('pointerup', () => { drag = null; });

  async function sample(peerId) {
    const id = peerId ?? connected()[0]?.id;
    const session = id ? link.session(id) : null;
    if (!session || session.state === 'closed' || session.state === 'refused') return null;
    const report = await session.pc.getStats();
    const s = callStats(report, previous?.session === session ? previous.report : null, options.relayHost ?? '');
    previous = { session, report };
    return s;
  }

  function fmtKbps(k) {
    return k >= 1000 ? `${(k / 1000).toFixed(1)} Mbit/s` : `${Math.round(k)} kbit/s`;
  }

  async function refreshStats() {
    const s = await sample();
    if (!s) return;
    history.bitrate.push(s.bitrateInKbps);
    history.rtt.push(s.rttMillis ?? 0);
    for (const h of Object.values(history)) if (h.length > 60) h.shift();
    q('#stat-route').textContent = s.relayed === null ? '…' : s.relayed ? 'relayed by the node' : 'direct (P2P)';
    q('#stat-rtt').textContent = s.rttMillis === null ? '…' : `${Math.round(s.rttMillis)} ms`;
    q('#stat-bitrate').textContent = `${fmtKbps(s.bitrateInKbps)} / ${fmtKbps(s.bitrateOutKbps)}`;
    q('#stat-loss').textContent = s.lossPercent === null ? '–' : `${s.lossPercent.toFixed(1)} %`;
    q('#stat-video').textContent = s.resolution ? `${s.resolution}, ${Math.round(s.fps ?? 0)} fps` : 'no video';
    q('#stat-codecs').textContent = s.codecs.length ? s.codecs.join(', ') : '–';
    q('#spark-bitrate polyline').setAttribute('points', sparkline(history.bitrate, 120, 24));
    q('#spark-rtt polyline').setAttribute('points', sparkline(history.rtt, 120, 24));
  }

  function toggleStats() {
    const open = q('#stats').hidden;
    q('#stats').hidden = !open;
    q('#stats-toggle').setAttribute('aria-expanded', String(open));
    clearInterval(statsTimer);
    statsTimer = null;
    if (open) {
      refreshStats();
      statsTimer = setInterval(refreshStats, 1000);
    }
  }

  q('#voice-call').onclick = () => start(false);
  q('#video-call').onclick = () => start(true);
  q('#add-video').onclick = addVideo;
  q('#mute').onclick = toggleMute;
  q('#camera').onclick = toggleCamera;
  q('#quality').onchange = (e) => setQuality(e.target.value);
  q('#end-media').onclick = end;
  q('#stats-toggle').onclick = toggleStats;

  return {
    onPeers(list) {
      peers = list;
      for (const p of list) {
        const session = link.session(p.id);
        if (session && p.state === 'connected') {
          watch(session);
          if (local) attach(p.id);
        }
      }
      show();
    },
    stats: sample,
    media: () => ({
      inCall: !!local,
      audio: !!local?.getAudioTracks().length,
      video: !!local?.getVideoTracks().some((t) => t.readyState === 'live'),
      muted,
      quality,
      remoteTracks: remoteVideo.srcObject?.getTracks().map((t) => t.kind) ?? [],
      senders: [...senders.values()].map((s) => ({ audio: !!s.audio, video: !!s.video, videoTrack: !!s.video?.track })),
    }),
    destroy() {
      clearInterval(statsTimer);
      if (local) for (const t of local.getTracks()) t.stop();
      doc.body.classList.remove('in-call');
      el.remove();
    },
  };
}
