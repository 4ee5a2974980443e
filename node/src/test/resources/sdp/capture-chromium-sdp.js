// Captures real Chromium SDPs as test fixtures for dev.switchboard.node.sdp.
//
// Not part of the build. Run it by hand, loopback only, from an empty directory:
//
//   npm i playwright-core
//   unshare -n sh -c 'ip link set lo up && node capture-chromium-sdp.js OUT_DIR'
//
// It writes OUT_DIR/<scenario>-<offer|answer>-<initial|gathered>.sdp with the exact bytes
// Chromium produced (CRLF line endings) and OUT_DIR/trickle-candidates.txt (one
// RTCIceCandidate.candidate string per line, LF-separated; the empty line is end-of-candidates).
// The only ICE server named is 127.0.0.1:3478, so no packet leaves the machine.
// The page is http://localhost/ (a secure context, needed for getUserMedia), answered in-process.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const out = process.argv[2] || '.';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

async function main() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
      '--disable-background-networking', '--disable-component-update', '--no-first-run',
      '--disable-sync'],
  });
  try {
    // Camera/microphone permission is granted, so Chromium puts real host addresses (not mDNS
    // .local names) in candidates; mDNS does not work inside a loopback-only namespace anyway.
    // SCENARIOS=name:permitted,... overrides the list.
    const scenarios = (process.env.SCENARIOS || 'datachannel:1,audio-video:1').split(',')
      .map((s) => [s.split(':')[0], s.split(':')[1] === '1']);
    for (const [scenario, permitted] of scenarios) {
      const context = await browser.newContext(
        { permissions: permitted ? ['camera', 'microphone'] : [] });
      const page = await context.newPage();
      // getUserMedia needs a secure context, which about:blank is not; http://localhost is.
      // The page is served by Playwright's request interception, so no server listens anywhere.
      await page.route('http://localhost/**', (route) => route.fulfill({
        status: 200, contentType: 'text/html', body: '<!doctype html><title>sdp</title>' }));
      await page.goto('http://localhost/');
      const result = await page.evaluate(runScenario, scenario);
      for (const [name, sdp] of Object.entries(result.sdps)) {
        fs.writeFileSync(path.join(out, `${scenario}-${name}.sdp`), sdp, 'utf8');
      }
      fs.appendFileSync(path.join(out, 'trickle-candidates.txt'),
        result.trickled.map((c) => c + '\n').join(''), 'utf8');
      console.log(scenario, Object.keys(result.sdps).join(' '), result.trickled.length, 'candidates');
      await context.close();
    }
  } finally {
    await browser.close();
  }
}

// Runs in the page.
async function runScenario(scenario) {
  const config = { iceServers: [{ urls: 'stun:127.0.0.1:3478' }], bundlePolicy: 'max-bundle',
    rtcpMuxPolicy: 'require' };
  const gathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') { resolve(); return; }
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
  });
  const trickled = [];
  const pc1 = new RTCPeerConnection(config);
  const pc2 = new RTCPeerConnection(config);
  pc1.onicecandidate = (e) => { if (e.candidate) trickled.push(e.candidate.candidate); };
  pc2.onicecandidate = (e) => { if (e.candidate) trickled.push(e.candidate.candidate); };
  if (scenario.startsWith('datachannel')) {
    pc1.createDataChannel('chat');
  } else {
    const s1 = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    s1.getTracks().forEach((t) => pc1.addTrack(t, s1));
    const s2 = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    s2.getTracks().forEach((t) => pc2.addTrack(t, s2));
  }
  const sdps = {};
  const offer = await pc1.createOffer();
  sdps['offer-initial'] = offer.sdp;
  const g1 = gathered(pc1);
  await pc1.setLocalDescription(offer);
  await g1;
  sdps['offer-gathered'] = pc1.localDescription.sdp;
  await pc2.setRemoteDescription(pc1.localDescription);
  const answer = await pc2.createAnswer();
  sdps['answer-initial'] = answer.sdp;
  const g2 = gathered(pc2);
  await pc2.setLocalDescription(answer);
  await g2;
  sdps['answer-gathered'] = pc2.localDescription.sdp;
  trickled.push('');
  pc1.close();
  pc2.close();
  return { sdps, trickled };
}

main().catch((e) => { console.error(e); process.exit(1); });
