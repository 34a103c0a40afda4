// `tsx infra/local/cli/dlq.ts list|show|redrive`: the template's dead-letter queues in the running
// local cloud: their depth, their messages with the reason each failed, and a redrive to the source.
import type { DeadLetterMessage, DeadLetterQueueInfo, DeadLetterSource } from '../admin/dlq.ts';
import {
  adminClientFor,
  type CliIo,
  COMMON_OPTIONS,
  isMainModule,
  parseCliArgs,
  positiveNumber,
  runAsMain,
  runCli,
  UsageError,
} from './cli-support.ts';

export const DLQ_USAGE = `The template's dead-letter queues (queues named by a RedrivePolicy, and rule targets' DeadLetterConfig)
in the running local cloud.

Usage: npm run dlq -- <command> [options]

Commands:
  list                        each dead-letter queue, what it collects failures of, and its depth
  show <queue>                its messages with the failure reason: the target error EventBridge attached
                              (ERROR_CODE, ERROR_MESSAGE), else the consumer's last logged error for the
                              message id, else the receive count
  redrive <queue>             move its messages back to their source (StartMessageMoveTask semantics):
                              the queue whose RedrivePolicy names it, or the rule target's queue

  <queue> is a name, a unique part of a name, an ARN, a URL or a logical id.

Options:
  --limit <n>      show: at most n messages                                        default: 100
  --to <queue>     redrive: the destination, when the DLQ has several sources
  --json           print JSON
  --state <dir>    the local cloud's state folder               default: $LOCAL_STATE_DIR or .local
  --help           show this help

Exit codes: 0 done; 1 the local cloud refused or is not running; 2 bad arguments.
`;

export type DlqCommand =
  | { kind: 'list' }
  | { kind: 'show'; queue: string; limit: number }
  | { kind: 'redrive'; queue: string; to?: string };

/** Parses the dlq CLI's arguments; throws UsageError. */
export function parseDlqArgs(argv: readonly string[]): {
  command: DlqCommand;
  values: Record<string, unknown>;
} {
  const { values, positionals } = parseCliArgs(argv, {
    ...COMMON_OPTIONS,
    limit: { type: 'string' },
    to: { type: 'string' },
  });
  const [name, queue, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  switch (name) {
    case 'list':
      if (queue !== undefined) throw new UsageError(`unexpected argument "${queue}"`);
      return { command: { kind: 'list' }, values };
    case 'show':
      if (queue === undefined) throw new UsageError('show needs a queue');
      return {
        command: { kind: 'show', queue, limit: Math.floor(positiveNumber(values.limit, '--limit', 100)) },
        values,
      };
    case 'redrive':
      if (queue === undefined) throw new UsageError('redrive needs a queue');
      return {
        command: { kind: 'redrive', queue, ...(values.to !== undefined ? { to: values.to } : {}) },
        values,
      };
    case undefined:
      throw new UsageError('give a command: list, show or redrive');
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}

function sourceText(source: DeadLetterSource): string {
  return source.kind === 'queue'
    ? `redrive of ${source.queueName} after ${source.maxReceiveCount} receives`
    : `rule ${source.ruleName} target ${source.targetId}`;
}

/** One line per dead-letter queue: depth, name, sources. */
export function formatDlqList(queues: DeadLetterQueueInfo[]): string {
  if (queues.length === 0) return 'the template has no dead-letter queue\n';
  const width = Math.max(...queues.map((queue) => queue.name.length));
  const lines = queues.map(
    (queue) =>
      `${String(queue.depth).padStart(5)}  ${queue.name.padEnd(width)}  ${queue.sources.map(sourceText).join('; ')}${queue.inFlight > 0 ? ` (${queue.inFlight} in flight)` : ''}`,
  );
  return `${['depth  queue', ...lines].join('\n')}\n`;
}

/** The messages of a dead-letter queue, each with its reason and body. */
export function formatDlqMessages(queue: DeadLetterQueueInfo, messages: DeadLetterMessage[]): string {
  const lines = [`${queue.name}: ${queue.depth} message${queue.depth === 1 ? '' : 's'}`];
  for (const message of messages) {
    lines.push(
      `- ${message.messageId}${message.sentAt ? ` sent ${message.sentAt}` : ''} received ${message.receiveCount}x${message.messageGroupId ? ` group ${message.messageGroupId}` : ''}`,
      `  reason: ${message.reason}`,
      `  body: ${message.body.length > 300 ? `${message.body.slice(0, 299)}…` : message.body}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the dlq CLI; returns the exit code. */
export async function runDlqCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCli('dlq', DLQ_USAGE, argv, io, async () => {
    const { command, values } = parseDlqArgs(argv);
    const client = await adminClientFor(values as { state?: string }, io);
    const print = (json: unknown, text: string) =>
      io.stdout(values.json ? `${JSON.stringify(json, null, 2)}\n` : text);
    switch (command.kind) {
      case 'list': {
        const answer = await client.request<{ queues: DeadLetterQueueInfo[] }>('GET', '/dlqs');
        print(answer, formatDlqList(answer.queues));
        return 0;
      }
      case 'show': {
        const answer = await client.request<{ queue: DeadLetterQueueInfo; messages: DeadLetterMessage[] }>(
          'GET',
          `/dlqs/${encodeURIComponent(command.queue)}/messages?limit=${command.limit}`,
        );
        print(answer, formatDlqMessages(answer.queue, answer.messages));
        return 0;
      }
      case 'redrive': {
        const answer = await client.request<{ queue: string; destination: string; moved: number }>(
          'POST',
          `/dlqs/${encodeURIComponent(command.queue)}/redrive`,
          command.to !== undefined ? { to: command.to } : {},
        );
        print(
          answer,
          `moved ${answer.moved} message${answer.moved === 1 ? '' : 's'} from ${answer.queue} to ${answer.destination}\n`,
        );
        return 0;
      }
    }
  });
}

if (isMainModule(import.meta.url)) runAsMain(runDlqCli);
