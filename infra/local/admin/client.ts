// The CLIs' side of the admin API: finds the running local cloud's edge in `<state>/state.json` and
// calls `/_local/...` on it.
import { join } from 'node:path';
import { readLocalCloudState, STATE_FILE } from '../auth/state.ts';
import { ADMIN_PREFIX } from './api.ts';

/** The admin API answered with an error (its `error` text is the message). */
export class AdminClientError extends Error {
  override readonly name = 'AdminClientError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** No local cloud to talk to: never started in this state folder, or not running. */
export class LocalCloudUnreachableError extends Error {
  override readonly name = 'LocalCloudUnreachableError';
}

export interface AdminClient {
  /** The edge's URL. */
  edge: string;
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

/** The edge URL of the local cloud started with this state folder; throws LocalCloudUnreachableError. */
export async function edgeUrlFrom(stateDir: string): Promise<string> {
  const state = await readLocalCloudState(stateDir);
  if (!state) {
    throw new LocalCloudUnreachableError(
      `the local cloud was never started with state folder ${stateDir} (no ${join(stateDir, STATE_FILE)}); run npm start first`,
    );
  }
  return state.edge;
}

/** A client of the admin API on an edge URL. */
export function createAdminClient(edge: string, fetchImpl: typeof fetch = fetch): AdminClient {
  const base = edge.replace(/\/$/, '');
  return {
    edge: base,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let response: Response;
      try {
        // Every call but a read says JSON, with or without a body: the edge refuses any other
        // state-changing request to the admin API (edge/admin-mount.ts).
        const readOnly = method === 'GET' || method === 'HEAD';
        response = await fetchImpl(`${base}${ADMIN_PREFIX}${path}`, {
          method,
          ...(readOnly ? {} : { headers: { 'content-type': 'application/json' } }),
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        throw new LocalCloudUnreachableError(
          `cannot reach the local cloud at ${base} (${cause}); is it running? (npm start)`,
        );
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (!response.ok) {
        // The admin API answers `{error}`; the edge's guard in front of it an RFC 9457 problem.
        const answer =
          typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
        const reason = typeof answer.error === 'string' ? answer.error : answer.detail;
        const message =
          typeof reason === 'string'
            ? reason
            : `${method} ${ADMIN_PREFIX}${path} answered ${response.status}${response.status === 404 || response.status === 400 ? ': this edge has no admin API (an older local cloud?)' : ''}`;
        throw new AdminClientError(message, response.status);
      }
      return parsed as T;
    },
  };
}
