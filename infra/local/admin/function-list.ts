// The stack's functions with the faults that hit each (`GET /_local/functions`), for a page that turns
// fault injection on and off per function: the faults themselves are set through `/_local/faults`.
import type { FunctionFault } from '../lambda/host.ts';
import type { AdminRoutes } from './routes.ts';

export interface FunctionListOptions {
  functions(): { logicalId: string; name: string }[];
  faults(): FunctionFault[];
}

/** The faults that apply to a function, matched as the Lambda host matches them. */
export function faultsOf(fn: { logicalId: string; name: string }, faults: FunctionFault[]): FunctionFault[] {
  return faults.filter((fault) => fault.function === fn.logicalId || fn.name.includes(fault.function));
}

/** `GET /_local/functions`: every function, by logical id, with its name and the faults that hit it. */
export function functionListRoutes(options: FunctionListOptions): AdminRoutes {
  return {
    lines: ['GET    /_local/functions                   the functions and the faults that hit each'],
    async route({ method, path }) {
      if (path !== '/functions' || method !== 'GET') return undefined;
      const faults = options.faults();
      const functions = options
        .functions()
        .map((fn) => ({ logicalId: fn.logicalId, name: fn.name, faults: faultsOf(fn, faults) }))
        .sort((a, b) => a.logicalId.localeCompare(b.logicalId));
      return { status: 200, body: { functions } };
    },
  };
}
