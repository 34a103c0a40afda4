import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalIssuer } from '../auth/jwt.ts';
import { writeLocalCloudState } from '../auth/state.ts';
import { runTokenCli } from './token.ts';

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool';

describe('token CLI', () => {
  let stateDir: string;
  let out: string;
  let err: string;
  const run = (...argv: string[]) =>
    runTokenCli(argv, {
      stdout: (text) => {
        out += text;
      },
      stderr: (text) => {
        err += text;
      },
      env: { LOCAL_STATE_DIR: stateDir },
      cwd: process.cwd(),
    });

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'token-cli-'));
    out = '';
    err = '';
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  async function startedCloud() {
    const issuer = await createLocalIssuer({ stateDir });
    await writeLocalCloudState(stateDir, {
      edge: 'http://127.0.0.1:4566',
      apis: [
        { logicalId: 'InternalApi1', apiId: 'int', url: 'http://127.0.0.1:3001', authorizers: [] },
        {
          logicalId: 'PublicApi1',
          apiId: 'pub',
          url: 'http://127.0.0.1:3000',
          authorizers: [{ issuer: ISSUER, audience: ['client-1'] }],
        },
      ],
    });
    return issuer;
  }

  it('prints its usage for --help', async () => {
    const code = await run('--help');

    expect(code).toBe(0);
    expect(out).toContain('Usage: npm run token -- --account <id>');
  });

  it('exits 2 with one line when --account is missing', async () => {
    const code = await run('--sub', 'someone');

    expect(code).toBe(2);
    expect(err).toBe('token: --account is required (see --help)\n');
  });

  it('exits 2 for an unknown argument', async () => {
    const code = await run('--account', 'a-1', '--colour', 'blue');

    expect(code).toBe(2);
    expect(err).toContain('unknown argument "--colour"');
  });

  it('exits 2 for a claim without a value', async () => {
    const code = await run('--account', 'a-1', '--claim', 'tier');

    expect(code).toBe(2);
    expect(err).toContain('--claim expects name=value');
  });

  it('says the local cloud was never started when there is no state', async () => {
    const code = await run('--account', 'a-1');

    expect(code).toBe(1);
    expect(err).toContain('the local cloud was never started');
  });

  it('prints only a token the authorizer accepts, with sub and account_id', async () => {
    const issuer = await startedCloud();

    const code = await run('--account', 'acct-9', '--claim', 'tier=gold', '--expires', '60');

    expect(code).toBe(0);
    const token = out.trim();
    expect(out).toBe(`${token}\n`);
    expect(await issuer.verify(token, { issuer: ISSUER, audience: ['client-1'] })).toMatchObject({
      ok: true,
      claims: { sub: 'user-acct-9', account_id: 'acct-9', tier: 'gold' },
    });
    const claims = decodeJwt(token);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
  });

  it('reports when no API matching --api has a JWT authorizer', async () => {
    await startedCloud();

    const code = await run('--account', 'a-1', '--api', 'Internal');

    expect(code).toBe(1);
    expect(err).toContain('no HTTP API whose logical id contains "Internal" has a JWT authorizer');
  });

  it('exits 2 without a stack trace when run as a command with bad arguments', async () => {
    const failure = await promisify(execFile)(
      'npx',
      ['tsx', 'infra/local/cli/token.ts', '--expires', 'soon'],
      {
        cwd: process.cwd(),
      },
    ).catch((error: { code: number; stderr: string }) => error);

    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  });
});
