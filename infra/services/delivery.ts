// Delivery: owns the delivery records. The scheduler drives them through the internal API,
// clients read them through the public API, and drone events become delivery events here.
import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { DRONE_EVENT_TYPES, SOURCES } from '../../events/catalog.ts';
import { EventSubscription } from '../constructs/event-subscription.ts';
import { createTargetDeadLetterQueue } from '../constructs/queues.ts';
import {
  bindBus,
  bindInternalApi,
  bindQueueConsumer,
  bindTable,
  type ServiceFunction,
} from '../constructs/service-function.ts';
import { BY_ACCOUNT_INDEX, OUTBOX_INDEX } from '../constructs/stateful.ts';
import { ServiceConstruct, type ServiceProps } from './service-base.ts';

const TRACKING_TIMEOUT = Duration.seconds(30);

/** The Delivery service. */
export class DeliveryService extends ServiceConstruct {
  /** Every internal route but subscriptions: the scheduler's. */
  readonly schedulerRoutes: readonly HttpRoute[];
  /** `GET /deliveries/{deliveryId}/subscriptions`: the notifications role's only route. */
  readonly subscriptionsRoute: HttpRoute;
  readonly tracking: EventSubscription;
  /** Publishes the outboxes that crashed calls left on delivery items, every minute. */
  readonly outboxSweeper: ServiceFunction;
  /** The public GET of a delivery: reads the Scheduler's stored request of one not created yet. */
  /** The public reads that ask the Scheduler about a delivery accepted but not created yet. */
  readonly requestReaders: readonly ServiceFunction[];

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id, 'delivery', props);
    const { stateful, internalApi, publicApi, config } = props;
    const table = stateful.tables.delivery;
    const writer = (
      fnId: string,
      entry: string,
      description: string,
      publishes: boolean,
    ): ServiceFunction => {
      const fn = this.createFunction(fnId, { entry, description });
      bindTable(fn, table);
      if (publishes) {
        bindBus(fn, stateful.bus);
      }
      return fn;
    };
    const reader = (
      fnId: string,
      entry: string,
      description: string,
      indexes: string[] = [],
    ): ServiceFunction => {
      const fn = this.createFunction(fnId, { entry, description });
      bindTable(fn, table, { access: 'read', indexes });
      return fn;
    };

    // Internal API, for the scheduler.
    const put = writer(
      'PutDelivery',
      'functions/delivery/put-delivery.ts',
      'Delivery: create as Requested',
      false,
    );
    const schedule = writer(
      'ScheduleDelivery',
      'functions/delivery/schedule-delivery.ts',
      'Delivery: first scheduling (Scheduled), emit DeliveryCreated',
      true,
    );
    const reschedule = writer(
      'RescheduleDelivery',
      'functions/delivery/reschedule-delivery.ts',
      'Delivery: take the new plan and drone (Rescheduled), emit DeliveryRescheduled',
      true,
    );
    const rejectReschedule = writer(
      'RejectReschedule',
      'functions/delivery/reject-reschedule.ts',
      'Delivery: refuse a reschedule (delivery unchanged), emit DeliveryRescheduleRejected',
      true,
    );
    // Publishes only what a crashed call left in the outbox (every transition flushes it first).
    const markWaiting = writer(
      'MarkWaiting',
      'functions/delivery/mark-waiting.ts',
      'Delivery: a Requested delivery waits for a free drone (no event)',
      true,
    );
    const cancel = writer(
      'CancelDelivery',
      'functions/delivery/cancel-delivery.ts',
      'Delivery: mark Cancelled, emit DeliveryCancelled',
      true,
    );
    const fail = writer(
      'FailDelivery',
      'functions/delivery/fail-delivery.ts',
      'Delivery: mark Failed, emit DeliveryFailed',
      true,
    );
    const getInternal = reader(
      'GetDeliveryInternal',
      'functions/delivery/get-delivery-internal.ts',
      'Delivery: get a delivery (internal API)',
    );
    const listSubscriptions = reader(
      'ListSubscriptions',
      'functions/delivery/list-subscriptions.ts',
      "Delivery: list a delivery's notification subscriptions (internal API)",
    );
    this.schedulerRoutes = [
      internalApi.addRoute(this, 'PutDeliveryRoute', HttpMethod.PUT, '/deliveries/{deliveryId}', put),
      internalApi.addRoute(
        this,
        'ScheduleDeliveryRoute',
        HttpMethod.PUT,
        '/deliveries/{deliveryId}/schedule',
        schedule,
      ),
      internalApi.addRoute(
        this,
        'RescheduleDeliveryRoute',
        HttpMethod.PUT,
        '/deliveries/{deliveryId}/reschedule',
        reschedule,
      ),
      internalApi.addRoute(
        this,
        'RejectRescheduleRoute',
        HttpMethod.PUT,
        '/deliveries/{deliveryId}/reschedule-rejection',
        rejectReschedule,
      ),
      internalApi.addRoute(
        this,
        'MarkWaitingRoute',
        HttpMethod.PUT,
        '/deliveries/{deliveryId}/waiting',
        markWaiting,
      ),
      internalApi.addRoute(
        this,
        'CancelDeliveryRoute',
        HttpMethod.DELETE,
        '/deliveries/{deliveryId}',
        cancel,
      ),
      internalApi.addRoute(
        this,
        'FailDeliveryRoute',
        HttpMethod.PUT,
        '/deliveries/{deliveryId}/failure',
        fail,
      ),
      internalApi.addRoute(
        this,
        'GetDeliveryInternalRoute',
        HttpMethod.GET,
        '/deliveries/{deliveryId}',
        getInternal,
      ),
    ];
    this.subscriptionsRoute = internalApi.addRoute(
      this,
      'ListSubscriptionsRoute',
      HttpMethod.GET,
      '/deliveries/{deliveryId}/subscriptions',
      listSubscriptions,
    );

    // Public API, for clients.
    const getDelivery = reader(
      'GetDelivery',
      'functions/delivery/get-delivery.ts',
      'Public API: get a delivery',
    );
    const listDeliveries = reader(
      'ListDeliveries',
      'functions/delivery/list-deliveries.ts',
      "Public API: list the account's deliveries",
      [BY_ACCOUNT_INDEX],
    );
    const requestNotification = writer(
      'RequestNotification',
      'functions/delivery/request-notification.ts',
      'Public API: subscribe to notifications of a delivery',
      false,
    );
    this.requestReaders = [getDelivery, requestNotification];
    publicApi.addRoute(this, 'GetDeliveryRoute', HttpMethod.GET, '/v1/deliveries/{deliveryId}', getDelivery);
    publicApi.addRoute(this, 'ListDeliveriesRoute', HttpMethod.GET, '/v1/deliveries', listDeliveries);
    publicApi.addRoute(
      this,
      'RequestNotificationRoute',
      HttpMethod.POST,
      '/v1/deliveries/{deliveryId}/notifications',
      requestNotification,
    );

    // Drone events → delivery events.
    this.tracking = new EventSubscription(this, 'DroneEvents', {
      bus: stateful.bus,
      name: 'delivery-drone-events',
      description: 'Delivery tracks every drone event',
      eventPattern: { source: [SOURCES.drones], detailType: [...DRONE_EVENT_TYPES] },
      consumerTimeout: TRACKING_TIMEOUT,
      removalPolicy: config.removalPolicy,
    });
    const track = this.createFunction('TrackDroneEvents', {
      entry: 'functions/delivery/track-drone-events.ts',
      description: 'Delivery: turn drone events into delivery events',
      timeout: TRACKING_TIMEOUT,
    });
    bindTable(track, table);
    bindBus(track, stateful.bus);
    // No batching window: a position update should reach the client quickly.
    bindQueueConsumer(track, this.tracking.workQueue.queue, { batchSize: 10, maxConcurrency: 5 });
    this.monitorWorkQueue('DroneEventsQueue', this.tracking.workQueue, Duration.minutes(5));
    this.monitoring.monitorDeadLetterQueue('DroneEventsTargetDlq', this.tracking.targetDeadLetterQueue);

    this.outboxSweeper = this.addOutboxSweeper();
  }

  /**
   * The outbox sweeper (functions/delivery/core/sweeper.ts). Its grace period is twice the longest
   * timeout of the service's functions, so it never takes the outbox of a call that is still running.
   */
  private addOutboxSweeper(): ServiceFunction {
    const { stateful, config } = this.props;
    const longestCall = Math.max(...this.functions.map((fn) => fn.timeout?.toSeconds() ?? 3));
    const sweeper = this.createFunction('SweepOutboxes', {
      entry: 'functions/delivery/sweep-outboxes.ts',
      description: 'Delivery: publish the outboxes that crashed calls left behind (every minute)',
      // Shorter than the schedule's period, so that two runs rarely overlap (if they do, consumers
      // see the same event ids twice and keep one).
      timeout: Duration.seconds(50),
      environment: { OUTBOX_GRACE_SECONDS: String(2 * longestCall) },
    });
    bindTable(sweeper, stateful.tables.delivery, { indexes: [OUTBOX_INDEX] });
    bindBus(sweeper, stateful.bus);
    // A failed run is not retried: the next minute's run takes what it left.
    sweeper.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });
    const deadLetterQueue = createTargetDeadLetterQueue(
      this,
      'OutboxSweepScheduleDeadLetterQueue',
      'delivery-outbox-sweep-schedule-dlq',
      config.removalPolicy,
    );
    new Rule(this, 'OutboxSweepSchedule', {
      description: 'Runs the Delivery outbox sweeper every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        new LambdaFunction(sweeper, { deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.minutes(1) }),
      ],
    });
    this.monitoring.monitorDeadLetterQueue('OutboxSweepScheduleDlq', deadLetterQueue);
    return sweeper;
  }

  /**
   * Lets the public GET and the notification request ask the Scheduler for a delivery accepted but
   * not created yet (their one internal route). Called once the Scheduler exists.
   */
  allowRequestLookup(route: HttpRoute): void {
    for (const fn of this.requestReaders) bindInternalApi(fn, this.props.internalApi, [route]);
  }
}
