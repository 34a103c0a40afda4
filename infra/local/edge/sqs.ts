// SQS through the edge (JSON protocol): checks a function's access to the queue, forwards the request
// to the SQS emulator, and gives queue URLs back in the edge's form, as clients know them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallerIdentity } from '../model.ts';
import type { Enforce } from './access.ts';
import { parseJson } from './aws-protocol.ts';
import { sqsChecks } from './resources.ts';
import { proxy } from './upstream.ts';

export interface SqsForwarding {
  /** The SQS emulator's URL. */
  sqsUrl: string;
  /** The edge's own URL, known once it listens. */
  edgeUrl: () => string;
  region: string;
  accountId: string;
  enforce: Enforce;
  /** Maps a queue URL as clients know it to the one the SQS emulator knows. */
  rewriteSqsQueueUrl?: (url: string) => string;
  /** Counts the call for the bill (metering/); a returned function wants the answer. */
  meter?: (
    operation: string,
    input: Record<string, unknown>,
  ) => ((answer: string, status: number) => void) | undefined;
}

const URL_ANSWERS = new Set(['CreateQueue', 'GetQueueUrl', 'ListQueues', 'ListDeadLetterSourceQueues']);

/** Answers one SQS request. */
export async function handleSqs(
  options: SqsForwarding,
  operation: string,
  caller: CallerIdentity,
  incoming: IncomingMessage,
  body: Buffer,
  outgoing: ServerResponse,
): Promise<void> {
  const input = parseJson(body) as Record<string, unknown>;
  options.enforce(caller, 'sqs', sqsChecks(operation, input, options));
  let forwarded = body;
  if (options.rewriteSqsQueueUrl && typeof input.QueueUrl === 'string') {
    forwarded = Buffer.from(
      JSON.stringify({ ...input, QueueUrl: options.rewriteSqsQueueUrl(input.QueueUrl) }),
    );
  }
  /** Queue URLs come back from the emulator in its own form; clients see the edge's. */
  const publicQueueUrl = (url: string): string => {
    try {
      const segments = new URL(url).pathname.split('/').filter(Boolean).slice(-2);
      return segments.length === 2 ? `${options.edgeUrl()}/${segments.join('/')}` : url;
    } catch {
      return url;
    }
  };
  const rewriteUrls = (text: string): string => {
    try {
      const output = JSON.parse(text) as {
        QueueUrl?: unknown;
        queueUrls?: unknown;
        QueueUrls?: unknown;
      };
      if (typeof output.QueueUrl === 'string') output.QueueUrl = publicQueueUrl(output.QueueUrl);
      if (Array.isArray(output.QueueUrls))
        output.QueueUrls = output.QueueUrls.map(String).map(publicQueueUrl);
      if (Array.isArray(output.queueUrls))
        output.queueUrls = output.queueUrls.map(String).map(publicQueueUrl);
      return JSON.stringify(output);
    } catch {
      return text;
    }
  };
  const readAnswer = options.meter?.(operation, input);
  const rewrite = URL_ANSWERS.has(operation) ? rewriteUrls : undefined;
  await proxy(
    options.sqsUrl,
    incoming,
    forwarded,
    outgoing,
    rewrite || readAnswer
      ? (text, status) => {
          readAnswer?.(text, status);
          return rewrite ? rewrite(text) : text;
        }
      : undefined,
  );
}
