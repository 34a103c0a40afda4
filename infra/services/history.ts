// Delivery History: records every delivery event once and serves a delivery's history.
import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Construct } from 'constructs';
import { DELIVERY_EVENT_TYPES, SOURCES } from '../../events/catalog.ts';
import { EventSubscription } from '../constructs/event-subscription.ts';
import {
  bindInternalApi,
  bindQueueConsumer,
  bindTable,
  type ServiceFunction,
} from '../constructs/service-function.ts';
import { ServiceConstruct, type ServiceProps } from './service-base.ts';

const RECORD_TIMEOUT = Duration.seconds(30);
const RECORD_BATCHING_WINDOW = Duration.seconds(1);

/** The Delivery History service. */
export class HistoryService extends ServiceConstruct {
  readonly subscription: EventSubscription;
  /** The public GET of a history, which may ask the Scheduler about a delivery not recorded yet. */
  readonly getHistoryFunction: ServiceFunction;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id, 'history', props);
    const { stateful, publicApi, config } = props;
    const table = stateful.tables.history;

    this.subscription = new EventSubscription(this, 'DeliveryEvents', {
      bus: stateful.bus,
      name: 'history-delivery-events',
      description: 'History records every delivery event',
      eventPattern: { source: [SOURCES.deliveries], detailType: [...DELIVERY_EVENT_TYPES] },
      consumerTimeout: RECORD_TIMEOUT,
      maxBatchingWindow: RECORD_BATCHING_WINDOW,
      removalPolicy: config.removalPolicy,
    });
    const record = this.createFunction('RecordEvent', {
      entry: 'functions/history/record-event.ts',
      description: 'History: record delivery events',
      timeout: RECORD_TIMEOUT,
    });
    bindTable(record, table);
    bindQueueConsumer(record, this.subscription.workQueue.queue, {
      batchSize: 25,
      maxBatchingWindow: RECORD_BATCHING_WINDOW,
      maxConcurrency: 5,
    });
    this.monitorWorkQueue('DeliveryEventsQueue', this.subscription.workQueue);
    this.monitoring.monitorDeadLetterQueue(
      'DeliveryEventsTargetDlq',
      this.subscription.targetDeadLetterQueue,
    );

    const getHistory = this.createFunction('GetHistory', {
      entry: 'functions/history/get-history.ts',
      description: "Public API: a delivery's history",
    });
    bindTable(getHistory, table, { access: 'read' });
    this.getHistoryFunction = getHistory;
    publicApi.addRoute(
      this,
      'GetHistoryRoute',
      HttpMethod.GET,
      '/v1/deliveries/{deliveryId}/history',
      getHistory,
    );
  }

  /** Lets the public GET ask the Scheduler for a delivery accepted but not recorded yet (its one internal route). */
  allowRequestLookup(route: HttpRoute): void {
    bindInternalApi(this.getHistoryFunction, this.props.internalApi, [route]);
  }
}
