// `npm run trace -- <deliveryId>`: every hop of one delivery across the services, in time order, found
// through the correlation ids (`correlation_id` in the functions' log lines) that mention it.
import { runAsMain } from '../infra/local/cli/cli-support.ts';
import { runTraceCli } from '../infra/local/cli/trace.ts';

runAsMain((argv, io) => runTraceCli(argv, io, { key: 'correlation_id', valueName: 'deliveryId' }));
