// One archive's events, in memory and in a JSON-lines file, so that replays work after a restart.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalLogger } from '../model.ts';

export interface ArchivedEvent {
  /** ISO time (milliseconds) at which the event entered the archive. */
  archivedAt: string;
  event: Record<string, unknown>;
}

/** The events of one archive, backed by `<stateDir>/archive-<name>.jsonl`. */
export class ArchiveLog {
  private readonly entries: ArchivedEvent[] = [];
  private sizeBytes = 0;
  readonly file: string;

  constructor(
    stateDir: string,
    readonly name: string,
    private readonly log: LocalLogger,
  ) {
    mkdirSync(stateDir, { recursive: true });
    this.file = join(stateDir, `archive-${name.replace(/[^\w.-]/g, '_')}.jsonl`);
    this.load();
  }

  private load(): void {
    if (!existsSync(this.file)) return;
    const lines = readFileSync(this.file, 'utf8').split('\n');
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      try {
        const entry = JSON.parse(line) as ArchivedEvent;
        if (typeof entry.archivedAt === 'string' && typeof entry.event === 'object' && entry.event !== null) {
          this.entries.push(entry);
          this.sizeBytes += Buffer.byteLength(JSON.stringify(entry.event));
        }
      } catch {
        // A line cut short by a crash must not cost the rest of the archive.
        this.log.warn('eventbridge: skipping an unreadable archive line', {
          file: this.file,
          line: index + 1,
        });
      }
    }
  }

  /** Stores an event in memory and on disk. */
  append(event: Record<string, unknown>, archivedAt: Date): void {
    const entry: ArchivedEvent = { archivedAt: archivedAt.toISOString(), event };
    const line = JSON.stringify(entry);
    appendFileSync(this.file, `${line}\n`);
    this.entries.push(entry);
    this.sizeBytes += Buffer.byteLength(JSON.stringify(event));
  }

  /** The archived events whose archive time lies in [from, to], oldest first; retention applies. */
  between(from: Date, to: Date, retentionDays: number, now: Date): ArchivedEvent[] {
    const oldest = retentionDays > 0 ? now.getTime() - retentionDays * 86_400_000 : Number.NEGATIVE_INFINITY;
    return this.entries
      .filter((entry) => {
        const time = Date.parse(entry.archivedAt);
        return time >= from.getTime() && time <= to.getTime() && time >= oldest;
      })
      .sort((a, b) => Date.parse(a.archivedAt) - Date.parse(b.archivedAt));
  }

  get eventCount(): number {
    return this.entries.length;
  }

  get size(): number {
    return this.sizeBytes;
  }
}
