// Tokens for the local HTTP APIs on request (`POST /_local/token`), as `npm run token` mints them: a
// page served by the edge (the console) calls the APIs with one. The edge's guard keeps pages of other
// origins away from this route like from every admin route.
import * as z from 'zod';
import type { AdminRoutes } from './routes.ts';
import { refused } from './routes.ts';

/** An HTTP API as the token route sees it: its JWT authorizers' issuer and audiences. */
export interface TokenApi {
  logicalId: string;
  url: string;
  authorizers: { issuer: string; audience: string[] }[];
}

export interface TokenRoutesOptions {
  mint(options: {
    issuer: string;
    audience: string;
    sub: string;
    claims?: Record<string, unknown>;
    expiresInSeconds?: number;
  }): Promise<string>;
  apis(): TokenApi[];
}

const tokenRequestSchema = z
  .object({
    api: z.string().min(1).optional(),
    sub: z.string().min(1).max(256).optional(),
    claims: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    expiresInSeconds: z
      .number()
      .int()
      .positive()
      .max(24 * 60 * 60)
      .optional(),
  })
  .strict();

// Claims the token route sets itself: a caller's value for them would be ignored or contradict it.
const RESERVED_CLAIMS = new Set(['iss', 'aud', 'sub', 'exp', 'iat', 'nbf', 'client_id', 'jti']);

/** `GET /_local/apis` (the HTTP APIs and whether they take a JWT) and `POST /_local/token`. */
export function tokenRoutes(options: TokenRoutesOptions): AdminRoutes {
  return {
    lines: [
      'GET    /_local/apis                        the HTTP APIs, their URLs and whether they take a JWT',
      'POST   /_local/token                       {api?, sub?, claims?, expiresInSeconds?}: a JWT for an API',
    ],
    async route({ method, path, body }) {
      if (path === '/apis' && method === 'GET') {
        const apis = options.apis().map((api) => ({
          logicalId: api.logicalId,
          url: api.url,
          jwt: api.authorizers.length > 0,
        }));
        return { status: 200, body: { apis } };
      }
      if (path !== '/token' || method !== 'POST') return undefined;
      const parsed = tokenRequestSchema.safeParse(body ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return refused(400, `invalid token request: ${issue?.path.join('.') || '(body)'}: ${issue?.message}`);
      }
      const request = parsed.data;
      const reserved = Object.keys(request.claims ?? {}).find((name) => RESERVED_CLAIMS.has(name));
      if (reserved) return refused(400, `claim ${reserved} is set by the token route itself`);
      const api = options
        .apis()
        .find(
          (candidate) =>
            candidate.authorizers.length > 0 && (!request.api || candidate.logicalId.includes(request.api)),
        );
      const authorizer = api?.authorizers[0];
      const audience = authorizer?.audience[0];
      if (!api || !authorizer || !audience) {
        const which = request.api ? ` whose logical id contains "${request.api}"` : '';
        return refused(404, `no HTTP API${which} has a JWT authorizer with an audience`);
      }
      const expiresInSeconds = request.expiresInSeconds ?? 3600;
      const token = await options.mint({
        issuer: authorizer.issuer,
        audience,
        sub: request.sub ?? 'local-console',
        claims: request.claims ?? {},
        expiresInSeconds,
      });
      return {
        status: 200,
        body: { token, api: api.logicalId, expiresInSeconds },
      };
    },
  };
}
