// `npm run cost`: what the running local cloud's calls would cost on AWS (us-east-1 list prices), per
// service, and per million deliveries. A delivery is a request the public API accepted on
// `POST /v1/deliveries`: that is this application's knowledge, the local cloud only counts requests
// per route. `npm run cost -- --reset` zeroes the meters before a measured run.
import { isMainModule, runAsMain } from '../infra/local/cli/cli-support.ts';
import { successfulRequests } from '../infra/local/metering/cost.ts';
import { runCostCli } from '../infra/local/metering/cost-cli.ts';
import type { Meters } from '../infra/local/metering/meter.ts';

/** The public API's route that schedules a delivery. */
export const DELIVERY_ROUTE = 'POST /v1/deliveries';

/** The deliveries the meters saw: requests the public API accepted (2xx) on the schedule route. */
export function deliveriesOf(meters: Meters): number {
  return successfulRequests(meters, DELIVERY_ROUTE);
}

if (isMainModule(import.meta.url)) {
  runAsMain((argv, io) => runCostCli(argv, io, { noun: 'deliveries', count: deliveriesOf }));
}
