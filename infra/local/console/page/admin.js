// @ts-check
// The page's calls to the admin API (same origin, so the edge's origin guard lets them through) and,
// through the edge's proxy, to the stack's HTTP APIs with tokens the admin API mints.

const ADMIN = '/_local';

/** An admin or API call that was answered with an error status. */
export class CallError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   */
  constructor(message, status) {
    super(message);
    this.name = 'CallError';
    this.status = status;
  }
}

/**
 * @param {Response} response
 * @returns {Promise<any>}
 */
async function bodyOf(response) {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Calls the admin API; throws CallError with the API's own message on an error status.
 * @param {string} method
 * @param {string} path below `/_local`, e.g. `/queues`
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function admin(method, path, body) {
  const readOnly = method === 'GET' || method === 'HEAD';
  const response = await fetch(`${ADMIN}${path}`, {
    method,
    // The admin API takes a state-changing call only as JSON, with or without a body.
    ...(readOnly ? {} : { headers: { 'content-type': 'application/json' } }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = await bodyOf(response);
  if (!response.ok) {
    const reason = answer?.error ?? answer?.detail ?? `${method} ${path} answered ${response.status}`;
    throw new CallError(String(reason), response.status);
  }
  return answer;
}

/**
 * The stack's HTTP APIs, with tokens minted per set of claims and reused until shortly before they end.
 * @returns {{
 *   list(): Promise<{ logicalId: string, url: string, jwt: boolean }[]>,
 *   call(method: string, path: string, options?: { claims?: Record<string, string>, body?: unknown, api?: string }): Promise<{ status: number, body: any }>,
 * }}
 */
export function httpApis() {
  /** @type {Map<string, { token: Promise<string>, until: number }>} */
  const tokens = new Map();
  /** @type {Promise<{ logicalId: string, url: string, jwt: boolean }[]> | undefined} */
  let listed;

  const list = () => {
    listed ??= admin('GET', '/apis').then((answer) => answer.apis);
    return listed;
  };

  /**
   * @param {Record<string, string>} claims
   * @param {string | undefined} api
   */
  const tokenFor = (claims, api) => {
    const key = JSON.stringify([api ?? '', claims]);
    const kept = tokens.get(key);
    if (kept && kept.until > Date.now()) return kept.token;
    const token = admin('POST', '/token', { claims, ...(api ? { api } : {}) }).then((answer) => answer.token);
    // Tokens live an hour; a new one is asked for well before that.
    tokens.set(key, { token, until: Date.now() + 45 * 60_000 });
    token.catch(() => tokens.delete(key));
    return token;
  };

  return {
    list,
    async call(method, path, options = {}) {
      const apis = await list();
      const api = apis.find((candidate) =>
        options.api ? candidate.logicalId.includes(options.api) : candidate.jwt,
      );
      if (!api) throw new CallError(`no HTTP API ${options.api ?? 'with a JWT authorizer'}`, 404);
      /** @type {Record<string, string>} */
      const headers = {};
      if (options.claims) headers.authorization = `Bearer ${await tokenFor(options.claims, api.logicalId)}`;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${ADMIN}/apis/${encodeURIComponent(api.logicalId)}${path}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
      return { status: response.status, body: await bodyOf(response) };
    },
  };
}
