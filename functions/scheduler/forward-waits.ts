import { sqsHandler } from '../../shared/middleware/stacks.ts';
import { parseWaitMessage } from './core/messages.ts';
import { forwardWait } from './core/waits.ts';
import { forwarderAdapters, loadForwarderConfig } from './deps.ts';

// Consumes `delivery-waits` (standard): a schedule that waited for a drone goes back to the FIFO
// `delivery-requests` queue once due (core/waits.ts). A failed send fails only its record.

const adapters = forwarderAdapters(loadForwarderConfig());

export const handler = sqsHandler(
  {
    parse: (record) => parseWaitMessage(record.body),
    correlationIdOf: (wait) => wait.message.correlationId,
  },
  async (wait) => {
    await forwardWait(adapters, wait);
  },
);
