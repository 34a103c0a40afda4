// The tokens the local issuer has verified, kept until they expire (docs/architecture.md §6, "API
// Gateway"): a client sends the same bearer token with every request, and checking its RS256 signature
// again each time costs more than the rest of the gateway. An entry is only reused while the token's
// `exp` is still ahead, so an expired token is refused exactly as jose refuses it.
import type { JWTPayload } from 'jose';

/** jose's message for a token at or past its `exp`. */
export const EXPIRED_REASON = '"exp" claim timestamp check failed';

const DEFAULT_MAX_ENTRIES = 1_000;

/** What a cached verification answers: the claims, or that the token has expired since. */
export type CachedVerification = { ok: true; claims: JWTPayload } | { ok: false; reason: string };

export interface VerifiedTokenCache {
  /** The claims of a token verified under `scope` that has not expired at `nowSeconds`; undefined when unknown. */
  get(scope: string, token: string, nowSeconds: number): CachedVerification | undefined;
  /** Remembers a token whose signature and claims were verified under `scope`, until its `exp`. */
  set(scope: string, token: string, claims: JWTPayload): void;
}

/** A bounded cache of verified tokens: the oldest entry goes first once `maxEntries` are held. */
export function createVerifiedTokenCache(maxEntries = DEFAULT_MAX_ENTRIES): VerifiedTokenCache {
  const entries = new Map<string, JWTPayload & { exp: number }>();
  const keyOf = (scope: string, token: string) => `${scope}\n${token}`;
  return {
    get(scope, token, nowSeconds) {
      const key = keyOf(scope, token);
      const claims = entries.get(key);
      if (!claims) return undefined;
      if (claims.exp <= nowSeconds) {
        entries.delete(key);
        return { ok: false, reason: EXPIRED_REASON };
      }
      return { ok: true, claims };
    },
    set(scope, token, claims) {
      // Only a token with a numeric `exp` is kept (jose requires one): it says how long it stays valid.
      if (typeof claims.exp !== 'number') return;
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(keyOf(scope, token), claims as JWTPayload & { exp: number });
    },
  };
}
