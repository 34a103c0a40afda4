/** An HTTP API's `CorsConfiguration`, as the template gives it. */
export interface CorsConfiguration {
  AllowOrigins?: string[];
  AllowMethods?: string[];
  AllowHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAge?: number;
  AllowCredentials?: boolean;
}

function allowedOrigin(cors: CorsConfiguration, origin: string): string | undefined {
  const origins = cors.AllowOrigins ?? [];
  if (origins.includes(origin)) return origin;
  if (origins.includes('*')) return cors.AllowCredentials ? origin : '*';
  return undefined;
}

/** Whether a request is a CORS preflight the gateway answers itself. */
export function isPreflight(method: string, headers: Record<string, string[]>): boolean {
  return (
    method === 'OPTIONS' &&
    headers.origin !== undefined &&
    headers['access-control-request-method'] !== undefined
  );
}

/** The headers of the gateway's answer to a preflight request (none when the origin is not allowed). */
export function preflightHeaders(
  cors: CorsConfiguration,
  headers: Record<string, string[]>,
): Record<string, string> {
  const origin = headers.origin?.[0] ?? '';
  const allowed = allowedOrigin(cors, origin);
  if (!allowed) return {};
  const requestMethod = (headers['access-control-request-method']?.[0] ?? '').toUpperCase();
  const methods = (cors.AllowMethods ?? []).map((method) => method.toUpperCase());
  if (!methods.includes('*') && !methods.includes(requestMethod)) return {};
  const result: Record<string, string> = {
    'access-control-allow-origin': allowed,
    'access-control-allow-methods': methods.includes('*') ? requestMethod : methods.join(','),
  };
  const requested = headers['access-control-request-headers']?.join(',');
  const allowHeaders = (cors.AllowHeaders ?? []).map((header) => header.toLowerCase());
  if (allowHeaders.includes('*') && requested)
    result['access-control-allow-headers'] = requested.toLowerCase();
  else if (allowHeaders.length) result['access-control-allow-headers'] = allowHeaders.join(',');
  if (cors.MaxAge !== undefined) result['access-control-max-age'] = String(cors.MaxAge);
  if (cors.AllowCredentials) result['access-control-allow-credentials'] = 'true';
  return result;
}

/** The CORS headers added to an ordinary response (the gateway's configuration overrides the function's). */
export function responseCorsHeaders(
  cors: CorsConfiguration,
  headers: Record<string, string[]>,
): Record<string, string> {
  const origin = headers.origin?.[0];
  if (origin === undefined) return {};
  const allowed = allowedOrigin(cors, origin);
  if (!allowed) return {};
  const result: Record<string, string> = { 'access-control-allow-origin': allowed };
  if (cors.ExposeHeaders?.length) result['access-control-expose-headers'] = cors.ExposeHeaders.join(',');
  if (cors.AllowCredentials) result['access-control-allow-credentials'] = 'true';
  return result;
}
