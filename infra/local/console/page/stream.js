// @ts-check
// The page's one connection to the local cloud's activity stream (`/_local/stream`, Server-Sent
// Events): every panel and plugin listens here instead of opening its own. The browser reconnects by
// itself and, with the last message id it saw, gets what it missed from the stream's backlog.

/**
 * @typedef {'event' | 'target' | 'consumer'} MessageType
 * @typedef {(data: any, id: number) => void} Listener
 * @typedef {{ on(type: MessageType, listener: Listener): () => void, state(): string }} Stream
 */

/**
 * The stream, reporting its state on `status` (an element with role=status). It connects on
 * `connect()`, once every panel listens, so that none misses the backlog sent first.
 * @param {HTMLElement | null} status
 * @returns {Stream & { connect(): void }}
 */
export function createStream(status) {
  /** @type {Map<MessageType, Set<Listener>>} */
  const listeners = new Map();
  let state = 'connecting';

  /** @param {string} next @param {string} text */
  const show = (next, text) => {
    state = next;
    if (!status) return;
    status.dataset.state = next;
    status.textContent = text;
  };

  const connect = () => {
    const source = new EventSource('/_local/stream');
    source.addEventListener('open', () => show('live', 'Live: events are pushed as they happen'));
    source.addEventListener('error', () =>
      show('reconnecting', 'Connection to the local cloud lost; reconnecting…'),
    );
    for (const type of /** @type {MessageType[]} */ (['event', 'target', 'consumer'])) {
      source.addEventListener(type, (message) => {
        const event = /** @type {MessageEvent<string>} */ (message);
        const data = JSON.parse(event.data);
        const id = Number(event.lastEventId);
        for (const listener of listeners.get(type) ?? []) {
          try {
            listener(data, id);
          } catch (error) {
            console.error(`a ${type} listener failed`, error);
          }
        }
      });
    }
  };

  return {
    connect,
    on(type, listener) {
      const set = listeners.get(type) ?? new Set();
      set.add(listener);
      listeners.set(type, set);
      return () => set.delete(listener);
    },
    state: () => state,
  };
}
