// The requests the local HTTP APIs answered, kept for the trace: a call between services leaves a log
// line only if the callee writes one, but the gateway sees every call, with the correlation id the
// caller sent in its headers. A request carrying one of a trace's correlation ids is a hop of it.
import type { HttpApiAccess } from '../apigateway/http-apis.ts';
import type { TraceHop } from './trace.ts';

/** The answered requests, the most recent `limit` of them. */
export interface AccessLog {
  record(access: HttpApiAccess): void;
  list(): HttpApiAccess[];
}

/** Keeps the last `limit` requests (default 20 000). */
export function createAccessLog(limit = 20_000): AccessLog {
  const kept: HttpApiAccess[] = [];
  return {
    record(access) {
      kept.push(access);
      if (kept.length > limit) kept.splice(0, kept.length - limit);
    },
    list: () => [...kept],
  };
}

/** The hops of the requests whose id or headers carry one of the correlation ids, at their start. */
export function accessHops(accesses: HttpApiAccess[], ids: ReadonlySet<string>): TraceHop[] {
  const carries = (access: HttpApiAccess) => {
    if (ids.has(access.requestId)) return true;
    const headers = Object.values(access.headers).join('\n');
    for (const id of ids) if (headers.includes(id)) return true;
    return false;
  };
  return accesses.filter(carries).map((access) => ({
    time: new Date(Date.parse(access.at) - access.latencyMs).toISOString(),
    source: `api:${access.api}`,
    message: `${access.method} ${access.path} → ${access.status}`,
    fields: {
      ...(access.routeKey ? { route: access.routeKey } : {}),
      latencyMs: String(access.latencyMs),
      requestId: access.requestId,
    },
  }));
}
