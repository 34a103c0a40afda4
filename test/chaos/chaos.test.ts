import { beforeAll, describe, expect, it } from 'vitest';
import { INVARIANT_NAMES } from './invariants.ts';
import { formatReport } from './report.ts';
import { type ChaosReport, runChaos } from './run-chaos.ts';

// The short chaos run (the full one is `npm run chaos`): 40 deliveries under the same faults with
// shorter windows, in a local cloud of its own; one test per invariant so a failure names it.

let report: ChaosReport;

beforeAll(async () => {
  report = await runChaos({
    deliveries: 40,
    concurrency: 8,
    holdMs: 8_000,
    outageStartMs: 15_000,
    // Long enough that requests caught at its start use up their five receives and reach the supervisor.
    outageMs: 35_000,
    // The short run has a dozen or so workflow invocations outside the outage: at this rate the
    // chance that none is killed (and the invariant has nothing to check) is below one in a hundred.
    abortRate: 0.4,
    settleTimeoutMs: 150_000,
  });
  // The figures, for whoever reads a failure.
  console.info(formatReport(report));
}, 330_000);

function verdict(name: string) {
  const invariant = report.invariants.find((candidate) => candidate.name === name);
  return { name, holds: invariant?.holds, figure: invariant?.figure };
}

describe('under chaos: nothing lost, nothing orphaned, nothing twice', () => {
  for (const name of Object.values(INVARIANT_NAMES)) {
    it(name, () => {
      expect(verdict(name)).toMatchObject({ name, holds: true });
    });
  }

  it('completed a good share of the deliveries despite the faults', () => {
    expect(report.counts.byStage.Completed ?? 0).toBeGreaterThanOrEqual(report.counts.accepted / 3);
  });
});
