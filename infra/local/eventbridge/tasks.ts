// The bus's background work (deliveries, retries, replays): tracked so that stop() and settled() can wait.
import type { LocalLogger } from '../model.ts';

/** Background tasks and the backoff sleeps between them, which a stop cuts short. */
export class BackgroundTasks {
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly sleeping = new Set<() => void>();
  private stopping = false;

  constructor(private readonly log: LocalLogger) {}

  /** Runs a background task so that settled() and stop() can wait for it; a task never rejects unnoticed. */
  track(task: Promise<unknown>): void {
    const tracked = task.catch((error: unknown) => {
      this.log.error('eventbridge: a background task failed', { error: String(error) });
    });
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }

  /** Resolves once every task under way has finished, including those they started. */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Waits; resolves false at once when stopping (so that stop() does not wait out a backoff). */
  sleep(ms: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeping.delete(wake);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.sleeping.delete(wake);
        resolve(true);
      }, ms);
      this.sleeping.add(wake);
    });
  }

  /** Lets sleeps run again after a stop (the bus starts again). */
  resume(): void {
    this.stopping = false;
  }

  /** Wakes every sleep with false, and makes later ones return false at once, until resume(). */
  stop(): void {
    this.stopping = true;
    for (const wake of [...this.sleeping]) wake();
  }
}
