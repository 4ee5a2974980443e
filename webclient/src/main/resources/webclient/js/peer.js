/**
 * One WebRTC connection to one peer: an RTCPeerConnection with a single bundled transport and a
 * `chat` data channel. Signaling is the caller's job; this module only produces and consumes
 * session descriptions and candidates.
 * @module peer
 */

/**
 * @typedef {object} Route
 * @property {string} localAddress  address of the selected local candidate.
 * @property {number} localPort
 * @property {string} remoteAddress address of the selected remote candidate (the relay's, when relayed).
 * @property {number} remotePort
 * @property {string} remoteType    candidate type of the remote side: host, srflx, prflx or relay.
 * @property {number} bytesSent
 * @property {number} bytesReceived
 */

export class PeerLink {
  /**
   * @param {object} o
   * @param {RTCIceServer[]} o.iceServers only the node's own STUN service.
   * @param {boolean} o.offerer whether this side creates the offer and the data channel.
   * @param {(c: RTCIceCandidate|null)=>void} o.onCandidate trickled local candidates (null at the end).
   * @param {(text: string)=>void} o.onMessage text received on the data channel.
   * @param {(state: string)=>void} o.onState 'connecting', 'open', 'closed' or 'failed'.
   */
  constructor({ iceServers, offerer, onCandidate, onMessage, onState }) {
    this.offerer = offerer;
    this.onMessage = onMessage;
    this.onState = onState;
    this.pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    this.channel = null;
    this.pendingCandidates = [];
    this.pc.onicecandidate = (e) => onCandidate(e.candidate);
    this.pc.onconnectionstatechange = () => {
      const s = this.pc.connectionState;
      if (s === 'failed' || s === 'closed') onState(s);
      else if (s === 'disconnected') onState('connecting');
    };
    if (offerer) {
      this.attach(this.pc.createDataChannel('chat', { ordered: true }));
    } else {
      this.pc.ondatachannel = (e) => {
        if (e.channel.label === 'chat') this.attach(e.channel);
      };
    }
    onState('connecting');
  }

  /** @private */
  attach(channel) {
    this.channel = channel;
    channel.onopen = () => this.onState('open');
    channel.onclose = () => this.onState('closed');
    channel.onmessage = (e) => {
      if (typeof e.data === 'string') this.onMessage(e.data);
    };
  }

  /** @returns {Promise<string>} the offer SDP, already set as the local description. */
  async createOffer() {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    return this.pc.localDescription.sdp;
  }

  /**
   * Applies a remote offer and returns the answer.
   * @param {string} sdp
   * @returns {Promise<string>} the answer SDP, already set as the local description.
   */
  async acceptOffer(sdp) {
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    await this.flushCandidates();
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return this.pc.localDescription.sdp;
  }

  /** @param {string} sdp the remote answer. */
  async acceptAnswer(sdp) {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    await this.flushCandidates();
  }

  /**
   * Adds a trickled remote candidate (queued until the remote description is set).
   * @param {RTCIceCandidateInit} candidate
   */
  async addCandidate(candidate) {
    if (!this.pc.remoteDescription) {
      this.pendingCandidates.push(candidate);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (e) {
      console.warn('ignored a remote candidate', e);
    }
  }

  /** @private */
  async flushCandidates() {
    const queued = this.pendingCandidates.splice(0);
    for (const c of queued) await this.addCandidate(c);
  }

  /**
   * @param {string} text
   * @returns {boolean} whether it was sent (the channel is open).
   */
  send(text) {
    if (!this.channel || this.channel.readyState !== 'open') return false;
    this.channel.send(text);
    return true;
  }

  /** @returns {Promise<Route|null>} the selected candidate pair, or null before ICE connects. */
  async route() {
    const stats = await this.pc.getStats();
    let pair = null;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
    });
    if (!pair) {
      stats.forEach((s) => {
        if (!pair && s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated) pair = s;
      });
    }
    if (!pair) return null;
    const local = stats.get(pair.localCandidateId);
    const remote = stats.get(pair.remoteCandidateId);
    if (!local || !remote) return null;
    return {
      localAddress: local.address || local.ip,
      localPort: local.port,
      remoteAddress: remote.address || remote.ip,
      remotePort: remote.port,
      remoteType: remote.candidateType,
      bytesSent: pair.bytesSent || 0,
      bytesReceived: pair.bytesReceived || 0,
    };
  }

  /**
   * The certificate the remote side presented in the DTLS handshake (RTCCertificateStats of the
   * transport's remote certificate).
   * @returns {Promise<string|null>} e.g. `sha-256 4A:AD:…`, or null before DTLS is up.
   */
  async remoteFingerprint() {
    const stats = await this.pc.getStats();
    let id = null;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.remoteCertificateId) id = s.remoteCertificateId;
    });
    const cert = id ? stats.get(id) : null;
    return cert && cert.fingerprint && cert.fingerprintAlgorithm
      ? `${cert.fingerprintAlgorithm} ${cert.fingerprint}` : null;
  }

  /** Closes the connection. */
  close() {
    try {
      this.channel?.close();
      this.pc.close();
    } catch {
      // already closed
    }
  }
}
