import { documentClient } from '../../shared/clients/dynamodb.ts';
import { eventBridgeClient } from '../../shared/clients/eventbridge.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { createEventPublisher } from '../../shared/publisher.ts';
import { createDeliveryStore } from './adapters/dynamodb-store.ts';
import type { DeliveryDeps } from './core/transitions.ts';

/** The dependencies of every handler that changes a delivery's stage: its table, the bus, a clock. */
export function transitionDeps(): DeliveryDeps {
  const config = loadConfig({ TABLE_NAME: requiredString(), EVENT_BUS_NAME: requiredString() });
  return {
    store: createDeliveryStore(documentClient, config.TABLE_NAME),
    publisher: createEventPublisher(eventBridgeClient, config.EVENT_BUS_NAME),
    now: () => new Date(),
  };
}
