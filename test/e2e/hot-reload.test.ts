import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { callApi } from '../support/e2e.ts';

// Hot reload (infra/local/reload/) against the running local cloud: a saved change to a handler is
// served, and the old answer comes back once the file is restored. How fast is printed, not
// asserted (a busy machine is no place for timed assertions): about 1–2 s from the write, see the
// README. The handler is the repository's own: it is restored after the test, whatever happens.

const HANDLER = path.resolve(import.meta.dirname, '../../functions/openapi/get-openapi.ts');
const PATCH_HEADER = '// Added by test/e2e/hot-reload.test.ts, which removes it again.';
// Only the bundled function sets AWS_LAMBDA_FUNCTION_NAME: a unit test importing the file meanwhile sees no change.
const patch = (marker: string) =>
  `\n${PATCH_HEADER}\nif (process.env.AWS_LAMBDA_FUNCTION_NAME) Object.assign(document, { 'x-hot-reload': '${marker}' });\n`;
// The file as the repository has it (without the patch, should an interrupted run have left one).
const ORIGINAL = readFileSync(HANDLER, 'utf8').split(`\n${PATCH_HEADER}`)[0] ?? '';
/** Far above the reload's usual second or two: past it, the change was not served at all. */
const DEADLINE_MS = 30_000;

function restore(): void {
  if (readFileSync(HANDLER, 'utf8') !== ORIGINAL) writeFileSync(HANDLER, ORIGINAL);
}

afterAll(restore);

/** Asks for the document until `accept` holds; the milliseconds from `since` to that answer, or undefined past the deadline. */
async function answeredWithin(accept: (body: Record<string, unknown>) => boolean, since: number) {
  for (;;) {
    const answer = await callApi('GET', '/v1/openapi.json');
    const elapsed = performance.now() - since;
    if (elapsed > DEADLINE_MS) return undefined;
    if (answer.status === 200 && accept(answer.body)) return Math.round(elapsed);
    await pause(50);
  }
}

describe('hot reload', () => {
  it('serves a saved handler, and the old answer once the file is restored', async () => {
    const before = await callApi('GET', '/v1/openapi.json');
    const marker = randomUUID();
    let changedMs: number | undefined;
    let restoredMs: number | undefined;
    try {
      const written = performance.now();
      writeFileSync(HANDLER, `${ORIGINAL}${patch(marker)}`);
      changedMs = await answeredWithin((body) => body['x-hot-reload'] === marker, written);

      const restored = performance.now();
      writeFileSync(HANDLER, ORIGINAL);
      restoredMs = await answeredWithin((body) => !('x-hot-reload' in body), restored);
    } finally {
      restore();
    }
    console.info(`hot reload: change served after ${changedMs} ms, restore after ${restoredMs} ms`);

    expect(before.status).toBe(200);
    expect(before.body['x-hot-reload']).toBeUndefined();
    expect(changedMs).toBeDefined();
    expect(restoredMs).toBeDefined();
    const after = await callApi('GET', '/v1/openapi.json');
    expect(after.body).toEqual(before.body);
  });
});
