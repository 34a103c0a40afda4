import type { Context, SQSRecord } from 'aws-lambda';
import { sqsHandler } from '../../shared/middleware/stacks.ts';
import { logger } from '../../shared/observability.ts';
import { createSchedulerServices } from './adapters/internal-api.ts';
import { parseRequestMessage, type RequestMessage, type RequestQueue } from './core/messages.ts';
import { redeliveryDelaySeconds, SCHEDULER_RESILIENCE } from './core/settings.ts';
import { runWorkflow } from './core/workflow.ts';
import type { WorkflowDeps } from './core/workflow-run.ts';
import { loadSchedulerConfig, schedulerAdapters } from './deps.ts';

// The Scheduler Agent: consumes `delivery-requests` (FIFO, one group per delivery).

const config = loadSchedulerConfig();
// Module level: the circuit breakers must remember failures across invocations of this environment.
const adapters = schedulerAdapters(config, SCHEDULER_RESILIENCE.workflow);

/** Runs one message; on failure sets when SQS redelivers it (exponential in its receive count), then fails it. */
export async function processRequest(
  deps: WorkflowDeps,
  queue: Pick<RequestQueue, 'delayRedelivery'>,
  message: RequestMessage,
  record: SQSRecord,
): Promise<void> {
  try {
    await runWorkflow(deps, message);
  } catch (error) {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    const seconds = redeliveryDelaySeconds(receiveCount);
    try {
      await queue.delayRedelivery(record.receiptHandle, seconds);
    } catch (visibilityError) {
      // The message still comes back after the queue's own visibility timeout.
      logger.warn('could not set the redelivery delay', {
        deliveryId: message.deliveryId,
        error: visibilityError as Error,
      });
    }
    logger.warn('workflow attempt failed; message will be redelivered', {
      deliveryId: message.deliveryId,
      operation: message.operation,
      receiveCount,
      redeliveryInSeconds: seconds,
    });
    throw error;
  }
}

export const handler = sqsHandler(
  {
    parse: (record) => parseRequestMessage(record.body),
    correlationIdOf: (message) => message.correlationId,
    fifo: true,
    startWithin: {
      minRemainingMs: SCHEDULER_RESILIENCE.workflow.recordStartReserveMs,
      release: (record) => adapters.queue.delayRedelivery(record.receiptHandle, 0),
    },
  },
  (message, record, context: Context) =>
    processRequest(
      {
        store: adapters.store,
        services: createSchedulerServices(adapters.downstreams, () => context.getRemainingTimeInMillis()),
        now: adapters.now,
        waits: adapters.waits,
      },
      adapters.queue,
      message,
      record,
    ),
);
