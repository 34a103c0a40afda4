// Delivery Scheduler: takes requests on the public API, levels them through the FIFO
// `delivery-requests` queue and runs the workflow (the Scheduler Agent); the supervisor
// compensates the requests that end in the dead-letter queue. The ingest functions use only the
// table and the queue (they call no other service); a sweeper sends again what was stored but
// never started, and a subscription to the delivery events keeps the stage the ingest answers
// 409 from. A schedule with no drone free yet waits on the `delivery-waits` queue, off the FIFO
// queue, and a forwarder puts it back when its next attempt is due.
import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DETAIL_TYPES, SOURCES } from '../../events/catalog.ts';
import { EventSubscription } from '../constructs/event-subscription.ts';
import { createSecureQueue, createTargetDeadLetterQueue, WorkQueue } from '../constructs/queues.ts';
import {
  bindInternalApi,
  bindQueue,
  bindQueueConsumer,
  bindTable,
  type ServiceFunction,
} from '../constructs/service-function.ts';
import { UNSTARTED_INDEX } from '../constructs/stateful.ts';
import { ServiceConstruct, type ServiceProps } from './service-base.ts';

const WORKFLOW_TIMEOUT = Duration.seconds(30);
const SUPERVISOR_TIMEOUT = Duration.seconds(30);
// A run takes at most 100 entries and stops 5 s before its timeout; runs of consecutive minutes
// may overlap harmlessly (each entry is claimed with a conditional write before it is sent).
const SWEEPER_TIMEOUT = Duration.seconds(50);
const STAGE_TIMEOUT = Duration.seconds(30);
// Two SQS sends per record at most: a batch of 10 takes well under a second.
const FORWARDER_TIMEOUT = Duration.seconds(10);
const STAGE_BATCHING_WINDOW = Duration.seconds(1);

/**
 * The delivery events that tell a stage the ingest needs (functions/scheduler/core/stages.ts maps
 * them): in flight or done means PATCH and DELETE answer 409.
 */
export const STAGE_EVENT_TYPES = [
  DETAIL_TYPES.DeliveryCreated,
  DETAIL_TYPES.DeliveryRescheduled,
  DETAIL_TYPES.DeliveryInTransit,
  DETAIL_TYPES.DeliveryCompleted,
  DETAIL_TYPES.DeliveryCancelled,
  DETAIL_TYPES.DeliveryFailed,
] as const;
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
  /** Schedules waiting for a free drone, each delayed until its next attempt (standard queue). */
  readonly waits: WorkQueue;
  /** The functions that call the other services' internal routes: the workflow and the supervisor. */
  readonly internalCallers: readonly ServiceFunction[];
  /** `GET /requests/{deliveryId}`: the stored request, for the Delivery service's public GET. */
  readonly requestLookupRoute: HttpRoute;
  readonly stageEvents: EventSubscription;

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
    // Standard, not FIFO: only a standard queue delays each message on its own (DelaySeconds, up to
    // 15 minutes), and a waiting schedule must not hold up its delivery's group meanwhile.
    this.waits = new WorkQueue(this, 'Waits', {
      name: 'delivery-waits',
      visibilityTimeout: Duration.seconds(6 * FORWARDER_TIMEOUT.toSeconds()),
      maxReceiveCount: REQUEST_MAX_RECEIVE_COUNT,
      removalPolicy: config.removalPolicy,
    });

    const callers: ServiceFunction[] = [];
    // No internal API grant: ingest calls no other service (docs/architecture.md §5.1).
    const ingest = (fnId: string, entry: string, description: string): ServiceFunction => {
      const fn = this.createFunction(fnId, { entry, description });
      bindTable(fn, table);
      bindQueue(fn, this.requests, 'REQUESTS_QUEUE_URL');
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
    bindQueue(workflow, this.waits.queue, 'WAITS_QUEUE_URL');
    callers.push(workflow);
    this.addWaitsForwarder();

    const supervisor = this.createFunction('Supervisor', {
      entry: 'functions/scheduler/supervisor.ts',
      description: 'Scheduler: compensate requests that exhausted their retries',
      timeout: SUPERVISOR_TIMEOUT,
    });
    bindTable(supervisor, table);
    bindQueueConsumer(supervisor, this.requestsDeadLetterQueue, { batchSize: 5, maxConcurrency: 2 });
    callers.push(supervisor);

    const getRequest = this.createFunction('GetRequest', {
      entry: 'functions/scheduler/get-request.ts',
      description: 'Scheduler: the stored request of a delivery (internal API)',
    });
    bindTable(getRequest, table, { access: 'read' });
    this.requestLookupRoute = internalApi.addRoute(
      this,
      'GetRequestRoute',
      HttpMethod.GET,
      '/requests/{deliveryId}',
      getRequest,
    );

    for (const caller of callers) {
      bindInternalApi(caller, internalApi, props.downstreamRoutes);
    }
    this.internalCallers = callers;

    this.addSweeper(table);
    this.stageEvents = this.addStageProjection(table);

    this.monitoring.monitorQueue('RequestsQueue', this.requests, Duration.minutes(10));
    this.monitoring.monitorDeadLetterQueue('RequestsDlq', this.requestsDeadLetterQueue);
    this.monitoring.monitorDeadLetterQueue('UnsettledRequests', this.unsettledRequests);
  }

  /** Puts waiting schedules back on the requests queue when due (functions/scheduler/core/waits.ts). */
  private addWaitsForwarder(): void {
    const forwarder = this.createFunction('ForwardWaits', {
      entry: 'functions/scheduler/forward-waits.ts',
      description: 'Scheduler: send a schedule back to the requests queue when its wait for a drone is over',
      timeout: FORWARDER_TIMEOUT,
    });
    // No batching window: a wait that is over should not wait longer.
    bindQueueConsumer(forwarder, this.waits.queue, { batchSize: 10, maxConcurrency: 2 });
    bindQueue(forwarder, this.requests, 'REQUESTS_QUEUE_URL');
    // A message delivered before it is due (a delay cut to 15 minutes) is sent again, delayed.
    bindQueue(forwarder, this.waits.queue, 'WAITS_QUEUE_URL');
    // Beyond the longest delay (15 minutes) and a few retries: an older message is a stuck forwarder.
    this.monitorWorkQueue('WaitsQueue', this.waits, Duration.minutes(30));
  }

  /** Every minute, sends again what was stored but not started in time (functions/scheduler/core/sweeper.ts). */
  private addSweeper(table: ITable): void {
    const sweeper = this.createFunction('SweepRequests', {
      entry: 'functions/scheduler/sweep-requests.ts',
      description: 'Scheduler: enqueue again the requests stored but not started',
      timeout: SWEEPER_TIMEOUT,
    });
    bindTable(sweeper, table, { indexes: [UNSTARTED_INDEX] });
    bindQueue(sweeper, this.requests, 'REQUESTS_QUEUE_URL');
    // A failed run is not retried: the next minute's run takes the same entries.
    sweeper.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });
    const deadLetterQueue = createTargetDeadLetterQueue(
      this,
      'SweepScheduleDeadLetterQueue',
      'scheduler-sweep-schedule-dlq',
      this.props.config.removalPolicy,
    );
    new Rule(this, 'SweepSchedule', {
      description: 'Runs the scheduler sweeper every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        new LambdaFunction(sweeper, { deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.minutes(1) }),
      ],
    });
    this.monitoring.monitorDeadLetterQueue('SweepScheduleDlq', deadLetterQueue);
  }

  /** The stage the ingest answers 409 from, learnt from the delivery events (functions/scheduler/core/stages.ts). */
  private addStageProjection(table: ITable): EventSubscription {
    const subscription = new EventSubscription(this, 'StageEvents', {
      bus: this.props.stateful.bus,
      name: 'scheduler-delivery-stages',
      description: 'The scheduler keeps the stage of each delivery it accepted',
      eventPattern: { source: [SOURCES.deliveries], detailType: [...STAGE_EVENT_TYPES] },
      consumerTimeout: STAGE_TIMEOUT,
      maxBatchingWindow: STAGE_BATCHING_WINDOW,
      removalPolicy: this.props.config.removalPolicy,
    });
    const record = this.createFunction('RecordDeliveryStage', {
      entry: 'functions/scheduler/record-delivery-stage.ts',
      description: 'Scheduler: record the stage told by delivery events',
      timeout: STAGE_TIMEOUT,
    });
    bindTable(record, table);
    bindQueueConsumer(record, subscription.workQueue.queue, {
      batchSize: 10,
      maxBatchingWindow: STAGE_BATCHING_WINDOW,
      maxConcurrency: 2,
    });
    this.monitorWorkQueue('StageEventsQueue', subscription.workQueue, Duration.minutes(5));
    this.monitoring.monitorDeadLetterQueue('StageEventsTargetDlq', subscription.targetDeadLetterQueue);
    return subscription;
  }
}
