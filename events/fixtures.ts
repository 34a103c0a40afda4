// Reading fixture files (one envelope or an array of envelopes) for tests and the replay tool.
// Every envelope is validated against the catalog so a broken fixture is refused before anything
// reaches the bus, with the file, the index and the field that is wrong.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ZodError } from 'zod';
import { type ParsedEvent, parseEnvelope } from './schemas.ts';

/** A fixture that cannot be used: unreadable, not JSON, or an envelope that fails its schema. */
export class FixtureError extends Error {
  override readonly name = 'FixtureError';
  readonly file: string;
  readonly index: number | undefined;
  readonly issuePath: string | undefined;

  constructor(
    file: string,
    message: string,
    options: { index?: number; issuePath?: string; cause?: unknown } = {},
  ) {
    const where = options.index === undefined ? file : `${file} [${options.index}]`;
    const field = options.issuePath === undefined ? '' : ` at ${options.issuePath}`;
    super(`${where}${field}: ${message}`, { cause: options.cause });
    this.file = file;
    this.index = options.index;
    this.issuePath = options.issuePath;
  }
}

function issuePathOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(envelope)' : path.map(String).join('.');
}

/** Reads a fixture file and returns its envelopes, validated, in file order; throws a FixtureError. */
export function loadFixture(path: string): ParsedEvent[] {
  const file = resolve(path);
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FixtureError(file, `cannot read fixture: ${(error as Error).message}`, { cause: error });
  }
  const envelopes = Array.isArray(content) ? content : [content];
  return envelopes.map((envelope, index) => {
    try {
      return parseEnvelope(envelope);
    } catch (error) {
      if (!(error instanceof ZodError)) throw error;
      const issue = error.issues[0];
      throw new FixtureError(file, issue?.message ?? error.message, {
        index,
        issuePath: issuePathOf(issue?.path ?? []),
        cause: error,
      });
    }
  });
}

/** Loads every `*.json` fixture directly inside `dir` (not its subfolders), sorted by file name. */
export function listFixtures(dir: string): { file: string; events: ParsedEvent[] }[] {
  const root = resolve(dir);
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const file = join(root, name);
      return { file, events: loadFixture(file) };
    });
}

/** The PutEvents entry that republishes a fixture envelope on a bus, keeping its time and resources. */
export function toPutEventsEntry(envelope: ParsedEvent, eventBusName: string): PutEventsRequestEntry {
  return {
    EventBusName: eventBusName,
    Source: envelope.source,
    DetailType: envelope['detail-type'],
    Detail: JSON.stringify(envelope.detail),
    Time: new Date(envelope.time),
    Resources: envelope.resources,
  };
}
