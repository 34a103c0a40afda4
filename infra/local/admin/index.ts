// The local cloud's admin part: the delivery observer, the dead-letter queue tools and the control
// plane the edge mounts under `/_local/`, assembled from the running parts.
import type { LocalEventBridgeService } from '../eventbridge/index.ts';
import type { EventSourceMappings } from '../lambda/event-source-mappings.ts';
import type { LambdaHost } from '../lambda/host.ts';
import type { LocalLogger, ResolvedStack } from '../model.ts';
import { type AdminApi, createAdminApi } from './api.ts';
import { createDeadLetterTools, type SqsCaller } from './dlq.ts';
import { createDeliveryObserver, type DeliveryObserver } from './observer.ts';
import { queuesOf } from './topology.ts';

export { ADMIN_PREFIX, type AdminApi, type AdminRequest, type AdminResponse, createAdminApi } from './api.ts';
export { FaultSettingsError, faultsFromEnv, unmatchedFaults } from './faults.ts';

export interface LocalAdminOptions {
  stack: ResolvedStack;
  events: LocalEventBridgeService;
  lambda: LambdaHost;
  eventSourceMappings: EventSourceMappings;
  sqs: SqsCaller;
  /** Folder of the functions' logs (`<state>/logs`). */
  logDir: string;
  log: LocalLogger;
}

export interface LocalAdmin {
  api: AdminApi;
  observer: DeliveryObserver;
  /** Stops observing. */
  close(): void;
}

/** Assembles the admin part; create it before events flow so that the observer hears every delivery. */
export function createLocalAdmin(options: LocalAdminOptions): LocalAdmin {
  const queues = queuesOf(options.stack);
  const observer = createDeliveryObserver({
    events: options.events,
    queues,
    consumers: () => options.eventSourceMappings.mappings(),
  });
  const stopBatches = options.eventSourceMappings.subscribe(observer.onBatch);
  const deadLetters = createDeadLetterTools({
    queues,
    rules: () => options.events.rules(),
    sqs: options.sqs,
    logDir: options.logDir,
    consumerFailure: (messageId) => {
      const failure = observer.lastFailure(messageId);
      return (
        failure && {
          functionName: failure.functionName,
          reason: `${failure.errorType}: ${failure.errorMessage}`,
        }
      );
    },
    invokeAsync: (arn, event) => options.lambda.invoke(arn, event, { invocationType: 'Event' }),
  });
  const api = createAdminApi({
    events: options.events,
    lambda: options.lambda,
    eventSourceMappings: options.eventSourceMappings,
    observer,
    deadLetters,
    logDir: options.logDir,
    log: options.log,
  });
  return {
    api,
    observer,
    close() {
      stopBatches();
      observer.close();
    },
  };
}
