// The cost CLI: reads the running local cloud's meters (`GET /_local/meters`), prices them with the
// us-east-1 list prices and prints the table with the cost per million units of work. What a unit of
// work is (a delivery, an order) is the application's to say: the caller counts it from the meters.
import {
  AdminClientError,
  createAdminClient,
  edgeUrlFrom,
  LocalCloudUnreachableError,
} from '../admin/client.ts';
import {
  CliFailure,
  type CliIo,
  COMMON_OPTIONS,
  parseCliArgs,
  runCli,
  stateDirOf,
  UsageError,
} from '../cli/cli-support.ts';
import { formatCostTable, priceMeters, usdPerMillion } from './cost.ts';
import type { Meters } from './meter.ts';
import { PRICES_US_EAST_1, type Prices } from './prices-us-east-1.ts';

/** The edge `npm start` listens on unless told otherwise. */
export const DEFAULT_EDGE_URL = 'http://127.0.0.1:4566';

export interface CostCliOptions {
  /** What is counted, plural: `deliveries`. */
  noun: string;
  /** How many units of work the meters show. */
  count(meters: Meters): number;
  /** The script's name in messages and the usage's first lines. */
  name?: string;
  prices?: Prices;
}

function usage(name: string, noun: string, prices: Prices): string {
  return `Prices what the running local cloud counted since it started (or since --reset) with the AWS list
prices of ${prices.region} (looked up ${prices.retrieved}), and prints a table per service and the cost per
million ${noun}.

Usage: npm run ${name} [-- options]

Options:
  --reset          zero the meters (before a measured run) and print nothing else
  --json           print the meters, the priced lines and the figure as JSON
  --edge <url>     the local cloud's edge    default: $LOCAL_EDGE_URL, else the state folder's, else ${DEFAULT_EDGE_URL}
  --state <dir>    the local cloud's state folder               default: $LOCAL_STATE_DIR or .local
  --help           show this help

Exit codes: 0 done; 1 the local cloud is not running, or no ${noun} were made; 2 bad arguments.
`;
}

/** The edge to ask: `--edge`, `$LOCAL_EDGE_URL`, the state folder's running cloud, else the default. */
export async function edgeOf(values: { edge?: string | boolean; state?: string | boolean }, io: CliIo) {
  if (typeof values.edge === 'string') return values.edge;
  if (io.env.LOCAL_EDGE_URL) return io.env.LOCAL_EDGE_URL;
  try {
    return await edgeUrlFrom(stateDirOf(values, io));
  } catch (error) {
    if (error instanceof LocalCloudUnreachableError) return DEFAULT_EDGE_URL;
    throw error;
  }
}

/** Runs the cost CLI; resolves with the exit code. */
export async function runCostCli(
  argv: readonly string[],
  io: CliIo,
  options: CostCliOptions,
): Promise<number> {
  const name = options.name ?? 'cost';
  const prices = options.prices ?? PRICES_US_EAST_1;
  return runCli(name, usage(name, options.noun, prices), argv, io, async () => {
    const { values, positionals } = parseCliArgs(argv, {
      ...COMMON_OPTIONS,
      edge: { type: 'string' },
      reset: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const admin = createAdminClient(await edgeOf(values, io), io.fetch ?? fetch);
    if (values.reset) {
      const meters = await admin.request<Meters>('DELETE', '/meters');
      io.stdout(`meters zeroed at ${meters.since}\n`);
      return 0;
    }
    let meters: Meters;
    try {
      meters = await admin.request<Meters>('GET', '/meters');
    } catch (error) {
      if (error instanceof AdminClientError && error.status === 404) {
        throw new CliFailure(`the local cloud at ${admin.edge} has no meters (started before metering?)`);
      }
      throw error;
    }
    const lines = priceMeters(meters, prices);
    const count = options.count(meters);
    if (values.json) {
      const perMillion = count > 0 ? usdPerMillion(lines, count) : null;
      io.stdout(
        `${JSON.stringify({ prices, meters, lines, [options.noun]: count, usdPerMillion: perMillion }, null, 2)}\n`,
      );
    } else {
      io.stdout(`Since ${meters.since}, at ${prices.region} list prices of ${prices.retrieved}:\n`);
      io.stdout(formatCostTable(lines, { count, noun: options.noun }));
    }
    if (count === 0) {
      io.stderr(
        `${name}: no ${options.noun} were made since ${meters.since}, so there is nothing to divide the cost by; make some, then run npm run ${name} again\n`,
      );
      return 1;
    }
    return 0;
  });
}
