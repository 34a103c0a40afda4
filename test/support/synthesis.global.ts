import '../../infra/local/quiet-sdk-notice.ts';
import type { TestProject } from 'vitest/node';
import { describeSynthesis } from '../../infra/local/synth/cache.ts';
import { synthesizeOnce } from './local-cloud.ts';

// For the files that start local clouds of their own (the crash-restart test, the short chaos
// run): the run's one synthesis, made (or found unchanged) once before any of them starts.

export default async function setup(project: TestProject) {
  const synthesis = await synthesizeOnce((line) => console.info(`own-cloud: ${line}`));
  console.info(`own-cloud: ${describeSynthesis(synthesis)}`);
  project.provide('synthesis', { cloudAssemblyDir: synthesis.outdir });
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cloud assembly this run synthesized, for tests that start a local cloud of their own. */
    synthesis: { cloudAssemblyDir: string };
  }
}
