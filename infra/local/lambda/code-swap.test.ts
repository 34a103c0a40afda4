// Swapping a function's code while it runs (hot reload): invocations under way finish on the old
// code, new ones run the new code, and the old environments are retired.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LocalLambdaHost } from './host.ts';
import { buildStack, startHost, stopHost } from './host-test-support.ts';

let root: string;

// A version of the function: it answers its version and task root, and holds on while the file
// named by `event.release` does not exist.
function writeVersion(version: number): string {
  const dir = join(root, `v${version}`);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'index.mjs'),
    `import { existsSync } from 'node:fs';
export const handler = async (event) => {
  while (event.release && !existsSync(event.release)) await new Promise((resolve) => setTimeout(resolve, 5));
  return { version: ${version}, taskRoot: process.env.LAMBDA_TASK_ROOT };
};
`,
  );
  return dir;
}

function startSwappable(properties: Record<string, unknown> = {}) {
  const v1 = writeVersion(1);
  const v2 = writeVersion(2);
  const { host } = startHost(buildStack([{ logicalId: 'Swap', code: v1, properties }]));
  return { host: host as LocalLambdaHost, v1, v2, release: join(root, 'release') };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'code-swap-'));
});

afterEach(async () => {
  await stopHost();
  rmSync(root, { recursive: true, force: true });
});

describe('LocalLambdaHost.replaceCode', () => {
  it('finishes an invocation under way on the old code and runs new ones on the new code', async () => {
    const { host, v2, release } = startSwappable();
    const held = host.invoke('Swap', { release });
    await vi.waitFor(() => expect(host.functions()[0]?.busy).toBe(1));

    const retired = host.replaceCode('Swap', v2);
    const next = await host.invoke('Swap', {});
    const during = host.functions()[0];
    writeFileSync(release, '');
    const old = await held;
    await retired;

    expect(next).toEqual({ ok: true, payload: { version: 2, taskRoot: v2 } });
    expect(during).toMatchObject({ environments: 2, busy: 1 });
    expect(old).toMatchObject({ ok: true, payload: { version: 1 } });
    expect(host.functions()[0]).toMatchObject({ environments: 1, busy: 0 });
  });

  it('retires warm environments on the old code at once', async () => {
    const { host, v2 } = startSwappable();
    await host.invoke('Swap', {});

    await host.replaceCode('Swap', v2);
    const environmentsAfterSwap = host.functions()[0]?.environments;
    const next = await host.invoke('Swap', {});

    expect(environmentsAfterSwap).toBe(0);
    expect(next).toEqual({ ok: true, payload: { version: 2, taskRoot: v2 } });
  });

  it('counts the old environments against the concurrency until they are retired', async () => {
    const { host, v2, release } = startSwappable({ ReservedConcurrentExecutions: 1 });
    const finished: string[] = [];
    const held = host.invoke('Swap', { release }).then((result) => {
      finished.push('old');
      return result;
    });
    await vi.waitFor(() => expect(host.functions()[0]?.busy).toBe(1));

    void host.replaceCode('Swap', v2);
    const next = host.invoke('Swap', {}).then((result) => {
      finished.push('new');
      return result;
    });
    const environmentsWhileWaiting = host.functions()[0]?.environments;
    writeFileSync(release, '');

    expect(await held).toMatchObject({ payload: { version: 1 } });
    expect(await next).toMatchObject({ payload: { version: 2 } });
    expect(environmentsWhileWaiting).toBe(1);
    expect(finished).toEqual(['old', 'new']);
  });

  it('refuses an unknown function', () => {
    const { host, v2 } = startSwappable();

    expect(() => host.replaceCode('Nope', v2)).toThrow('Function not found: Nope');
  });
});
