// @ts-check
// The operations console: the local cloud's own panels (event flow, queues and dead-letter queues,
// faults, replay), which know nothing of the application, and the application's views, loaded from
// the plugin its configuration names (`config.json`): a module whose `mount(host)` adds its panels.
// Everything comes from this origin; nothing is fetched from the network.
import { admin, httpApis } from './admin.js';
import { mountFaults } from './panels/faults.js';
import { mountFlow } from './panels/flow.js';
import { mountQueues } from './panels/queues.js';
import { mountReplay } from './panels/replay.js';
import { createStream } from './stream.js';
import * as ui from './ui.js';

/**
 * What a plugin's `mount(host)` receives.
 * @typedef {{
 *   container: HTMLElement,
 *   stream: import('./stream.js').Stream,
 *   admin: typeof admin,
 *   apis: ReturnType<typeof httpApis>,
 *   ui: typeof ui,
 *   showEvent(eventId: string): Promise<void>,
 * }} ConsoleHost
 */

async function start() {
  const stream = createStream(document.getElementById('connection'));
  const appPanels = /** @type {HTMLElement} */ (document.getElementById('app-panels'));
  const cloudPanels = /** @type {HTMLElement} */ (document.getElementById('cloud-panels'));

  let plugin;
  try {
    const config = await (await fetch('config.json')).json();
    if (config.app) plugin = await import(new URL(config.app, document.baseURI).href);
  } catch (error) {
    appPanels.append(
      ui.h('p', { class: 'error' }, `The application's views could not be loaded: ${String(error)}`),
    );
  }

  /** @type {ReturnType<typeof mountFlow> | undefined} */
  let flow;
  // The application's panels come first, in the page and in its navigation.
  if (plugin && typeof plugin.mount === 'function') {
    /** @type {ConsoleHost} */
    const host = {
      container: appPanels,
      stream,
      admin,
      apis: httpApis(),
      ui,
      showEvent: async (eventId) => {
        document.getElementById('event-flow')?.scrollIntoView();
        await flow?.showEvent(eventId);
      },
    };
    try {
      await plugin.mount(host);
    } catch (error) {
      // The local cloud's own panels still work when the application's views fail.
      appPanels.append(
        ui.h('p', { class: 'error' }, `The application's views failed to start: ${String(error)}`),
      );
    }
  }
  flow = mountFlow(cloudPanels, stream);
  mountQueues(cloudPanels, stream);
  mountFaults(cloudPanels);
  await mountReplay(cloudPanels);
  // Every panel listens now: connecting sends the backlog to all of them.
  stream.connect();
  document.body.dataset.ready = 'true';
}

void start();
