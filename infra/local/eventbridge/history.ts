// What happened to each event (rules matched, target outcomes), kept by id and reported to listeners.
import type { LocalLogger } from '../model.ts';
import type { DeliveryListener, DeliveryReport, EventHistory } from './types.ts';

const HISTORY_LIMIT = 10_000;

/** The delivery history of recent events (the oldest forgotten past a limit) and its listeners. */
export class DeliveryHistory {
  private readonly historyById = new Map<string, EventHistory[]>();
  private readonly listeners = new Set<DeliveryListener>();

  constructor(private readonly log: LocalLogger) {}

  /** Keeps a routing record; a replay of an event adds a record beside its first one. */
  remember(record: EventHistory): void {
    const list = this.historyById.get(record.eventId);
    if (list) {
      list.push(record);
      return;
    }
    this.historyById.set(record.eventId, [record]);
    if (this.historyById.size > HISTORY_LIMIT) {
      const oldest = this.historyById.keys().next().value;
      if (oldest !== undefined) this.historyById.delete(oldest);
    }
  }

  /** The delivery history of an event id: its first routing and any replays of it. */
  history(eventId: string): EventHistory[] {
    return (this.historyById.get(eventId) ?? []).map((entry) => ({
      ...entry,
      targets: entry.targets.map((target) => ({ ...target })),
    }));
  }

  /** Listens to delivery reports; returns the function that stops listening. */
  subscribe(listener: DeliveryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener; a failing listener is logged and does not stop the others. */
  emit(report: DeliveryReport): void {
    for (const listener of this.listeners) {
      try {
        listener(report);
      } catch (error) {
        this.log.warn('eventbridge: a delivery listener failed', { error: String(error) });
      }
    }
  }
}
