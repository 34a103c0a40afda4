// Admin routes that answer JSON and live in modules of their own: the admin API tries each before its
// built-in routes, and lists their lines on `GET /_local/`.
import type { AdminRequest, AdminResponse } from './api.ts';

/** A set of JSON routes: `route` answers the requests it knows and leaves the others (undefined). */
export interface AdminRoutes {
  /** One line per route for `GET /_local/`: method, path, what it does. */
  lines: string[];
  route(request: AdminRequest): Promise<AdminResponse | undefined>;
}

/** The path's segments below `/_local`, decoded; undefined when a segment is not valid percent-encoding. */
export function segmentsOf(path: string): string[] | undefined {
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** A client error answer in the admin API's shape. */
export function refused(status: number, error: string): AdminResponse {
  return { status, body: { error } };
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
