// Delivery Scheduler: takes requests on the public API, levels them through the FIFO
// `delivery-requests` queue and runs the workflow (the Scheduler Agent); the supervisor
// compensates the requests that end in the dead-letter queue.
import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { createSecureQueue } from '../constructs/queues.ts';
import {
  bindInternalApi,
  bindQueue,
  bindQueueConsumer,
  bindTable,
  type ServiceFunction,
} from '../constructs/service-function.ts';
import { ServiceConstruct, type ServiceProps } from './service-base.ts';

const WORKFLOW_TIMEOUT = Duration.seconds(30);
const SUPERVISOR_TIMEOUT = Duration.seconds(30);
/** Attempts of one request before it goes to the supervisor. */
export const REQUEST_MAX_RECEIVE_COUNT = 5;

export interface SchedulerServiceProps extends ServiceProps {
  /** The internal routes the scheduler calls: accounts, packages, drone assignments, deliveries. */
  readonly downstreamRoutes: readonly HttpRoute[];
}

/** The Delivery Scheduler service. */
export class SchedulerService extends ServiceConstruct {
  readonly requests: Queue;
  readonly requestsDeadLetterQueue: Queue;
  /** Where requests go that even the supervisor could not settle. */
  readonly unsettledRequests: Queue;
  readonly internalCallers: readonly ServiceFunction[];

  constructor(scope: Construct, id: string, props: SchedulerServiceProps) {
    super(scope, id, 'scheduler', props);
    const { config, stateful, publicApi, internalApi } = props;
    const table = stateful.tables.scheduler;

    this.unsettledRequests = createSecureQueue(this, 'UnsettledRequests', {
      name: 'delivery-requests-unsettled',
      fifo: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: config.removalPolicy,
    });
    this.requestsDeadLetterQueue = createSecureQueue(this, 'RequestsDeadLetterQueue', {
      name: 'delivery-requests-dlq',
      fifo: true,
      visibilityTimeout: Duration.seconds(6 * SUPERVISOR_TIMEOUT.toSeconds()),
      retentionPeriod: Duration.days(14),
      removalPolicy: config.removalPolicy,
      deadLetter: { queue: this.unsettledRequests, maxReceiveCount: REQUEST_MAX_RECEIVE_COUNT },
    });
    // The application sets MessageDeduplicationId (the request id), so content-based dedup is off.
    this.requests = createSecureQueue(this, 'Requests', {
      name: 'delivery-requests',
      fifo: true,
      visibilityTimeout: Duration.seconds(6 * WORKFLOW_TIMEOUT.toSeconds()),
      retentionPeriod: Duration.days(4),
      removalPolicy: config.removalPolicy,
      deadLetter: { queue: this.requestsDeadLetterQueue, maxReceiveCount: REQUEST_MAX_RECEIVE_COUNT },
    });

    const callers: ServiceFunction[] = [];
    const ingest = (fnId: string, entry: string, description: string): ServiceFunction => {
      const fn = this.createFunction(fnId, { entry, description });
      bindTable(fn, table);
      bindQueue(fn, this.requests, 'REQUESTS_QUEUE_URL');
      callers.push(fn);
      return fn;
    };
    const schedule = ingest('Schedule', 'functions/scheduler/schedule.ts', 'Public API: schedule a delivery');
    const reschedule = ingest(
      'Reschedule',
      'functions/scheduler/reschedule.ts',
      'Public API: reschedule a delivery',
    );
    const cancel = ingest('Cancel', 'functions/scheduler/cancel.ts', 'Public API: cancel a delivery');
    publicApi.addRoute(this, 'ScheduleRoute', HttpMethod.POST, '/v1/deliveries', schedule);
    publicApi.addRoute(this, 'RescheduleRoute', HttpMethod.PATCH, '/v1/deliveries/{deliveryId}', reschedule);
    publicApi.addRoute(this, 'CancelRoute', HttpMethod.DELETE, '/v1/deliveries/{deliveryId}', cancel);

    const workflow = this.createFunction('Workflow', {
      entry: 'functions/scheduler/workflow.ts',
      description: 'Scheduler: run the delivery workflow for queued requests',
      timeout: WORKFLOW_TIMEOUT,
    });
    bindTable(workflow, table);
    // FIFO queues take no batching window; small batches keep each request's retries in time.
    bindQueueConsumer(workflow, this.requests, { batchSize: 5, maxConcurrency: 10 });
    // The workflow delays a failed request's redelivery with ChangeMessageVisibility, which the
    // consumer grant already allows; it only needs the queue's URL.
    workflow.addEnvironment('REQUESTS_QUEUE_URL', this.requests.queueUrl);
    callers.push(workflow);

    const supervisor = this.createFunction('Supervisor', {
      entry: 'functions/scheduler/supervisor.ts',
      description: 'Scheduler: compensate requests that exhausted their retries',
      timeout: SUPERVISOR_TIMEOUT,
    });
    bindTable(supervisor, table);
    bindQueueConsumer(supervisor, this.requestsDeadLetterQueue, { batchSize: 5, maxConcurrency: 2 });
    callers.push(supervisor);

    for (const caller of callers) {
      bindInternalApi(caller, internalApi, props.downstreamRoutes);
    }
    this.internalCallers = callers;

    this.monitoring.monitorQueue('RequestsQueue', this.requests, Duration.minutes(10));
    this.monitoring.monitorDeadLetterQueue('RequestsDlq', this.requestsDeadLetterQueue);
    this.monitoring.monitorDeadLetterQueue('UnsettledRequests', this.unsettledRequests);
  }
}
