// The open model's timetable: request i is due at t0 + i / rate, whatever the earlier answers do, and
// which of the followed deliveries are polled, and when.

/** The send offsets in milliseconds from the start: `floor(rate × duration)` requests, evenly spaced. */
export function sendOffsetsMs(rate: number, durationSeconds: number): number[] {
  const count = Math.floor(rate * durationSeconds + 1e-9);
  return Array.from({ length: count }, (_, index) => (index * 1000) / rate);
}

/** How late a send started past its slot, in milliseconds (0 when on time or early). */
export function lagMs(dueMs: number, startedMs: number): number {
  return Math.max(0, startedMs - dueMs);
}

/**
 * The request indices whose deliveries are followed: at most `limit`, spread evenly over the run so
 * that the sample sees its start, middle and end alike.
 */
export function followedIndices(total: number, limit: number): Set<number> {
  const chosen = new Set<number>();
  if (limit <= 0 || total <= 0) return chosen;
  if (limit >= total) {
    for (let index = 0; index < total; index += 1) chosen.add(index);
    return chosen;
  }
  for (let pick = 0; pick < limit; pick += 1) chosen.add(Math.floor((pick * total) / limit));
  return chosen;
}

/** The backoff of the polls of one followed delivery. */
export const POLL_BACKOFF = { firstMs: 250, growth: 1.5, maxMs: 2_000 } as const;

/** The pause before poll `attempt` (0-based) of a followed delivery: grows geometrically to a cap. */
export function pollDelayMs(attempt: number, backoff: typeof POLL_BACKOFF = POLL_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.firstMs * backoff.growth ** attempt);
}
