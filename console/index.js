// @ts-check
// The drone delivery views of the operations console, loaded by the local cloud's console page as its
// application plugin (`mount(host)`): a live map of drones and deliveries, the deliveries table and one
// delivery's timeline. They feed on the bus's events (the host's activity stream) and the public API;
// the local cloud only serves this folder (`npm start` names it with `--console-app console`).
import { mountDeliveries } from './deliveries.js';
import { mountMap } from './map.js';
import { createModel } from './model.js';
import { mountTimeline } from './timeline.js';

/** @param {any} host the console host: container, stream, admin, apis, ui, showEvent */
export function mount(host) {
  document.head.append(
    host.ui.h('link', { rel: 'stylesheet', href: new URL('index.css', import.meta.url).href }),
  );
  const model = createModel();
  /** @type {string | undefined} */
  let chosen;
  const selection = {
    selected: () => chosen,
    /** @param {string} deliveryId */
    select(deliveryId) {
      chosen = deliveryId;
      map.redraw();
      table.redraw();
      void timeline.show(deliveryId).catch((error) => {
        host.ui.announce(`The timeline of ${deliveryId} could not be read: ${String(error)}`);
      });
    },
  };
  const map = mountMap(model, host, selection);
  const table = mountDeliveries(model, host, selection);
  const timeline = mountTimeline(model, host);
  host.stream.on('event', (/** @type {any} */ event) => model.applyEvent(event));
}
