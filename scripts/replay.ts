// `npm run replay -- <fixture file | folder>`: validates the fixtures against the event catalog's
// schemas (a bad one is refused with its path and the reason, before anything is sent), then replays
// them on the running local cloud's bus with the generic replay tool.
import { statSync } from 'node:fs';
import { listFixtures, loadFixture } from '../events/fixtures.ts';
import { runAsMain } from '../infra/local/cli/cli-support.ts';
import { runReplayCli } from '../infra/local/cli/replay.ts';

function loadValidated(target: string) {
  let folder = false;
  try {
    folder = statSync(target).isDirectory();
  } catch {
    // Not there: loadFixture says so with the path.
  }
  if (folder) return listFixtures(target).map(({ file, events }) => ({ file, envelopes: events }));
  return [{ file: target, envelopes: loadFixture(target) }];
}

runAsMain((argv, io) => runReplayCli(argv, io, { load: loadValidated }));
