// Entry point of the Trystero bundle the compatibility test builds with esbuild at test time:
// the unmodified @trystero-p2p/mqtt package from npm (and MQTT.js under it), exposed to the page.
import { joinRoom, selfId } from '@trystero-p2p/mqtt';

window.trystero = { joinRoom, selfId };
