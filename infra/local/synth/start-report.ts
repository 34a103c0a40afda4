// Where `npm start`'s time went: the synthesis (or its skipping), then the local cloud's phases,
// read from the log lines it prints while it starts. Each INFO line ends a phase named after its
// message, so the report follows whatever the parts log, without knowing them.
import { describeSynthesis, type SynthesisOutcome } from './cache.ts';

/** A stretch of the local cloud's start, ended by a log message (repeated ones are added up). */
export interface StartPhase {
  message: string;
  count: number;
  seconds: number;
}

/** The message of a local cloud INFO log line (`12:00:00.000 INFO  [sqs] queues ready name=x`), without its fields. */
export function infoMessageOf(line: string): string | undefined {
  const match = /^\d{2}:\d{2}:\d{2}\.\d{3} INFO\s+(?:\[[^\]]*\] )?(.+)$/.exec(line);
  if (!match) return undefined;
  // Fields are `key=value` pairs after the message.
  const fields = /\s[\w.-]+=/.exec(match[1]!);
  return (fields ? match[1]!.slice(0, fields.index) : match[1]!).trim();
}

/** Whether a line of the local cloud's standard output is its ready line (`readyLine` in cloud.ts). */
export function isReadyLine(line: string): boolean {
  return /^local cloud ready\b/.test(line);
}

/** Follows log lines as they arrive; `phases` tells the time between one INFO message and the next. */
export interface StartTimer {
  observe(line: string, at: number): void;
  phases(readyAt: number): StartPhase[];
}

/** Starts timing the local cloud's start at `startedAt` (milliseconds, any monotonic clock). */
export function createStartTimer(startedAt: number): StartTimer {
  const phases = new Map<string, StartPhase>();
  let last = startedAt;
  const add = (message: string, at: number) => {
    const phase = phases.get(message) ?? { message, count: 0, seconds: 0 };
    phase.count += 1;
    phase.seconds += Math.max(0, at - last) / 1000;
    phases.set(message, phase);
    last = Math.max(last, at);
  };
  return {
    observe(line, at) {
      const message = infoMessageOf(line);
      if (message !== undefined) add(message, at);
    },
    phases(readyAt) {
      const result = [...phases.values()].map((phase) => ({ ...phase }));
      result.push({ message: 'ready', count: 1, seconds: Math.max(0, readyAt - last) / 1000 });
      return result;
    },
  };
}

/** The report line: the whole start, the synthesis, then the local cloud's phases in order. */
export function formatStartReport(report: {
  totalSeconds: number;
  synthesis: SynthesisOutcome;
  cloudSeconds: number;
  phases: readonly StartPhase[];
}): string {
  const phases = report.phases
    .map(
      (phase) =>
        `${phase.message}${phase.count > 1 ? ` (×${phase.count})` : ''} ${phase.seconds.toFixed(1)} s`,
    )
    .join(', ');
  return (
    `started in ${report.totalSeconds.toFixed(1)} s: ${describeSynthesis(report.synthesis)}; ` +
    `local cloud ${report.cloudSeconds.toFixed(1)} s (${phases})`
  );
}
