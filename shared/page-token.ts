import type * as z from 'zod';
import { ValidationError } from './errors.ts';

// List endpoints hand out `nextToken`s: opaque to clients (base64url JSON of the DynamoDB
// position), checked on the way back so that a token only ever continues the list it came from.

/** Encodes a list position as an opaque `nextToken`. */
export function encodePageToken(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** Decodes a `nextToken`; anything malformed, or not from this list (`belongs`), is a 400 naming `nextToken`. */
export function decodePageToken<S extends z.ZodType>(
  token: string,
  schema: S,
  belongs: (position: z.infer<S>) => boolean,
  listName: string,
): z.infer<S> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (error) {
    throw new ValidationError(
      'nextToken is invalid.',
      [{ path: '/nextToken', message: 'not a token' }],
      error,
    );
  }
  const result = schema.safeParse(parsed);
  if (!result.success || !belongs(result.data)) {
    throw new ValidationError('nextToken is invalid.', [
      { path: '/nextToken', message: `not a token of this ${listName}` },
    ]);
  }
  return result.data;
}
