import type { Context } from 'aws-lambda';
import { sqsHandler } from '../../shared/middleware/stacks.ts';
import { createSchedulerServices } from './adapters/internal-api.ts';
import { parseRequestMessage } from './core/messages.ts';
import { SCHEDULER_RESILIENCE } from './core/settings.ts';
import { superviseDeadRequest } from './core/supervisor.ts';
import { callerAdapters, loadCallerConfig } from './deps.ts';

// The supervisor: consumes the `delivery-requests` dead-letter queue (FIFO too). A failure here
// leaves the message in the DLQ, which makes it visible again after its visibility timeout.

// Module level: the circuit breakers must remember failures across invocations of this environment.
const adapters = callerAdapters(loadCallerConfig(), SCHEDULER_RESILIENCE.workflow);

export const handler = sqsHandler(
  {
    parse: (record) => parseRequestMessage(record.body),
    correlationIdOf: (message) => message.correlationId,
    fifo: true,
  },
  async (message, _record, context: Context) => {
    await superviseDeadRequest(
      {
        store: adapters.store,
        services: createSchedulerServices(adapters.downstreams, () => context.getRemainingTimeInMillis()),
        now: adapters.now,
      },
      message,
    );
  },
);
