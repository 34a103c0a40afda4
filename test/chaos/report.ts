import type { ChaosReport } from './run-chaos.ts';

// The chaos run as a short Markdown report: what was injected, what happened, each invariant.

const seconds = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ') || 'none';

/** Formats a chaos report as Markdown (the same text is printed and written to `bench/results/`). */
export function formatReport(report: ChaosReport): string {
  const { counts: c, scheduling, waits, aborts, options } = report;
  const passed = report.invariants.filter((invariant) => invariant.holds).length;
  return [
    `# Chaos run ${report.startedAt}`,
    '',
    `${options.deliveries} deliveries by ${options.concurrency} clients (seed ${options.seed}), ` +
      `${seconds(report.durationMs)} in all; settled ${report.settled ? 'in' : 'NOT within'} ${seconds(report.settleMs)} after the faults were removed.`,
    '',
    '## Injected',
    '',
    ...report.injected.map((line) => `- ${line}`),
    '',
    '## Outcome',
    '',
    `- accepted ${c.accepted}/${c.planned} (refused ${c.refused}), ${c.submittedTwice} submitted twice`,
    `- final stages: ${counts(c.byStage)}`,
    `- failure reasons: ${counts(c.byReason)}`,
    `- request to Scheduled (DeliveryCreated): p50 ${seconds(scheduling.p50Ms)}, p99 ${seconds(scheduling.p99Ms)} over ${scheduling.samples} deliveries; ` +
      `outside the Accounts outage p50 ${seconds(scheduling.outsideOutage.p50Ms)}, p99 ${seconds(scheduling.outsideOutage.p99Ms)} over ${scheduling.outsideOutage.samples}`,
    `- waited for a free drone: ${waits.requests} requests, ${waits.waits} waits; first wait to decision p50 ${seconds(waits.p50Ms)}, p99 ${seconds(waits.p99Ms)}; ended ${counts(waits.outcomes)}`,
    `- killed workflow invocations: ${aborts.invocations}, carrying ${aborts.records} requests (${aborts.midWorkflow} mid-workflow; steps done when killed: ${counts(aborts.stepsAtAbort)})`,
    '',
    `## Invariants (${passed}/${report.invariants.length} hold)`,
    '',
    '| | Invariant | Figure |',
    '|---|---|---|',
    ...report.invariants.map(
      (invariant) =>
        `| ${invariant.holds ? '✔' : '✘'} | ${invariant.name} | ${invariant.figure.replaceAll('|', '\\|')} |`,
    ),
    '',
  ].join('\n');
}
