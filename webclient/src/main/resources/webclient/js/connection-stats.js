/**
 * What an RTCPeerConnection's statistics (W3C webrtc-stats) say about the connection: the
 * selected candidate pair (is the call relayed?) and the certificate the peer presented in DTLS.
 * @module connection-stats
 */

/**
 * @typedef {object} Route the selected candidate pair.
 * @property {string} localAddress  address of the selected local candidate.
 * @property {number} localPort
 * @property {string} remoteAddress address of the selected remote candidate (the relay's, when relayed).
 * @property {number} remotePort
 * @property {string} remoteType    candidate type of the remote side: host, srflx, prflx or relay.
 * @property {number} bytesSent
 * @property {number} bytesReceived
 */

/**
 * @param {RTCStatsReport} stats
 * @returns {Route|null} the transport's selected candidate pair (or the nominated, succeeded one
 *   where the transport does not name it), or null before ICE connects.
 */
export function selectedRoute(stats) {
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
 * transport's `remoteCertificateId`).
 * @param {RTCStatsReport} stats
 * @returns {string|null} e.g. `sha-256 4A:AD:…`, or null before DTLS is up.
 */
export function presentedCertificate(stats) {
  let id = null;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.remoteCertificateId) id = s.remoteCertificateId;
  });
  const cert = id ? stats.get(id) : null;
  return cert && cert.fingerprint && cert.fingerprintAlgorithm
    ? `${cert.fingerprintAlgorithm} ${cert.fingerprint}` : null;
}

/**
 * The certificate the remote side presented in the DTLS handshake, as hash function and value
 * (RTCCertificateStats `fingerprintAlgorithm` and `fingerprint` of the transport's
 * `remoteCertificateId`), for comparison with the signed line of the same hash function.
 * @param {RTCStatsReport} stats
 * @returns {{algorithm:string, value:string}|null} e.g. `{algorithm: 'sha-256', value: '4A:AD:…'}`,
 *   or null before DTLS is up.
 */
export function presentedFingerprint(stats) {
  let id = null;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.remoteCertificateId) id = s.remoteCertificateId;
  });
  const cert = id ? stats.get(id) : null;
  return cert && cert.fingerprint && cert.fingerprintAlgorithm
    ? { algorithm: cert.fingerprintAlgorithm, value: cert.fingerprint } : null;
}
