import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import {
  ForbiddenError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors.ts';

/** Payload-format-2.0 event of an HTTP API route; JWT routes carry claims, IAM routes the caller. */
export type ApiEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims: Record<string, string | number | boolean | string[]> } };
  };
};
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** The public API's body limit (docs/architecture.md §3). */
export const MAX_BODY_BYTES = 16 * 1024;

/** Who is calling the public API: the token's user and the account it acts for. */
export interface Caller {
  userId: string;
  accountId: string;
}

/** Reads the caller from the JWT claims the authorizer verified; a token without an account is refused. */
export function callerOf(event: ApiEvent): Caller {
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  const userId = claims.sub;
  const accountId = claims.account_id;
  if (typeof userId !== 'string' || typeof accountId !== 'string' || accountId === '') {
    throw new ForbiddenError('The token does not name an account (claim account_id).');
  }
  return { userId, accountId };
}

/** Decodes, size-checks, JSON-parses and validates a JSON body; every failure is a 4xx. */
export function parseJsonBody<S extends z.ZodType>(event: ApiEvent, schema: S): z.infer<S> {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const contentType = headerOf(event, 'content-type');
  if (!isJsonContentType(contentType)) throw new UnsupportedMediaTypeError(contentType);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError('The request body is not valid JSON.', [], error);
  }
  return validate(schema, json, 'The request body is invalid.');
}

/** Validates any input against a schema; failures list each field's path and message. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, detail: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    detail,
    result.error.issues.map((issue) => ({
      path: `/${issue.path.map(String).join('/')}`,
      message: issue.message,
    })),
  );
}

/** A header value by case-insensitive name. */
export function headerOf(event: ApiEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const mediaType = value.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
