import path from 'node:path';
import { ensureSynthesized, runCdkSynth, type SynthesisOutcome } from '../../infra/local/synth/cache.ts';

// What the end-to-end and chaos runs both need before they start a local cloud of their own.

/** The repository's root folder. */
export const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The cloud assembly every test run shares (end-to-end, chaos, the bundle sizes): outside `.local/`,
 * so that `npm run reset` keeps it, and apart from `npm start`'s `cdk.out`, so that a test run never
 * rewrites the assembly a developer's local cloud runs from.
 */
export const TEST_CLOUD_ASSEMBLY = path.join(ROOT, 'node_modules', '.cache', 'drone-delivery', 'cdk.out');

/** The dev stage, as `npm start` synthesizes it. */
export const TEST_SYNTH_CONTEXT: Readonly<Record<string, string>> = { stage: 'dev' };

/** Synthesizes the dev stage into the shared test assembly unless nothing it is made from changed since. */
export function synthesizeOnce(log?: (line: string) => void): Promise<SynthesisOutcome> {
  return ensureSynthesized({
    root: ROOT,
    outdir: TEST_CLOUD_ASSEMBLY,
    context: TEST_SYNTH_CONTEXT,
    synthesize: (request) => runCdkSynth({ ...request, output: 'capture' }),
    ...(log ? { log } : {}),
  });
}
