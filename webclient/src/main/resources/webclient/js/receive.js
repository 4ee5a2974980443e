/**
 * "Receive calls" (docs/protocol.md §5.3): makes a callee pair in the browser (a random public
 * id, a 256-bit secret, an ECDH key pair for sealed names), registers it with the node (which
 * keeps only the secret's hash), and shows the caller URL (with a QR code) and the private callee
 * URL. Everything secret is in the URLs' fragments, which browsers never send to a server.
 * @module receive
 */
import qrcode from '../vendor/qrcode.mjs';
import { connect, randomId } from './callpage.js';
import { newCalleeKey } from './callbox.js';

const $ = (id) => document.getElementById(id);

async function sha256(text) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

let conn = null;
$('create-form').onsubmit = async (event) => {
  event.preventDefault();
  $('create').disabled = true;
  try {
    if (!conn) conn = await connect((t) => { $('status').textContent = t; });
    const calleeId = randomId(32);
    const secret = randomId(32);
    const key = await newCalleeKey();
    const register = { v: 1, type: 'register', secretHash: await sha256(secret) };
    const label = $('label').value.trim();
    if (label) register.label = label;
    await conn.signaling.publish(`sb/v1/callee/${calleeId}`, register);
    const base = new URL('.', location.href);
    const callerUrl = new URL(`call.html#c=${calleeId}&k=${key.publicRaw}`, base).href;
    const calleeUrl = new URL(`callee.html#c=${calleeId}&s=${secret}&k=${key.privatePkcs8}`, base).href;
    $('caller-url').value = callerUrl;
    $('callee-url').value = calleeUrl;
    $('open-callee').href = calleeUrl;
    const qr = qrcode(0, 'M');
    qr.addData(callerUrl);
    qr.make();
    $('qr').innerHTML = qr.createSvgTag({ cellSize: 3, margin: 4, scalable: true });
    $('pair').hidden = false;
    $('status').textContent = 'Your pair is ready. Make as many as you like.';
  } catch (e) {
    $('status').textContent = `The node did not register the pair: ${e.message}`;
  } finally {
    $('create').disabled = false;
  }
};
// The button stays disabled until the form is handled here (a click before would reload the page).
$('create').disabled = false;
for (const which of ['caller', 'callee']) {
  $(`copy-${which}`).onclick = () => navigator.clipboard?.writeText($(`${which}-url`).value).catch(() => {});
}
