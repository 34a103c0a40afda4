// The meters on the admin API: `GET /_local/meters` shows what the local cloud counted for the bill,
// `DELETE /_local/meters` starts counting afresh (before a measured run).
import type { AdminRoutes } from '../admin/routes.ts';
import type { Meter } from './meter.ts';

/** `GET` and `DELETE /_local/meters`. */
export function meterRoutes(meter: Pick<Meter, 'snapshot' | 'reset'>): AdminRoutes {
  return {
    lines: [
      'GET    /_local/meters                      what AWS would bill, counted per service and resource',
      'DELETE /_local/meters                      zero the meters',
    ],
    async route({ method, path }) {
      if (path.replace(/\/$/, '') !== '/meters') return undefined;
      if (method === 'GET') return { status: 200, body: meter.snapshot() };
      if (method === 'DELETE') {
        meter.reset();
        return { status: 200, body: meter.snapshot() };
      }
      return { status: 405, body: { error: `${method} is not allowed on /_local/meters (GET, DELETE)` } };
    },
  };
}
