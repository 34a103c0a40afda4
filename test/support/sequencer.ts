import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The files that start a local cloud of their own run longest and mostly wait on it: started first,
// they overlap the end-to-end files (which wait on theirs) instead of running alone after them.

const FIRST = new Set(['own-cloud']);

/** Vitest's order (by project, then slowest or largest first), with the own-cloud files moved to the front. */
export default class OwnCloudFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [
      ...sorted.filter((file) => FIRST.has(file.project.name)),
      ...sorted.filter((file) => !FIRST.has(file.project.name)),
    ];
  }
}
