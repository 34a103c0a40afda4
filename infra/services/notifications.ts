// Notifications: tells subscribers (email or SMS) when something happens to their delivery.
// Dev stages record the messages in the service's table instead of sending them.
import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { DELIVERY_EVENT_TYPES, SOURCES } from '../../events/catalog.ts';
import { EventSubscription } from '../constructs/event-subscription.ts';
import { acknowledgeNagRule } from '../constructs/nag-acknowledgements.ts';
import {
  bindInternalApi,
  bindQueueConsumer,
  bindTable,
  type ServiceFunction,
} from '../constructs/service-function.ts';
import { ServiceConstruct, type ServiceProps } from './service-base.ts';

const SEND_TIMEOUT = Duration.seconds(30);

export interface NotificationsServiceProps extends ServiceProps {
  /** `GET /deliveries/{deliveryId}/subscriptions`, owned by the Delivery service. */
  readonly subscriptionsRoute: HttpRoute;
}

/** The Notifications service. */
export class NotificationsService extends ServiceConstruct {
  readonly subscription: EventSubscription;
  readonly sendNotifications: ServiceFunction;

  constructor(scope: Construct, id: string, props: NotificationsServiceProps) {
    super(scope, id, 'notifications', props);
    const { stateful, config } = props;

    this.subscription = new EventSubscription(this, 'DeliveryEvents', {
      bus: stateful.bus,
      name: 'notifications-delivery-events',
      description: 'Notifications hears every delivery event',
      eventPattern: { source: [SOURCES.deliveries], detailType: [...DELIVERY_EVENT_TYPES] },
      consumerTimeout: SEND_TIMEOUT,
      removalPolicy: config.removalPolicy,
    });
    const send = this.createFunction('SendNotifications', {
      entry: 'functions/notifications/send-notifications.ts',
      description: 'Notifications: send email and SMS for delivery events',
      timeout: SEND_TIMEOUT,
      environment: {
        NOTIFICATION_SENDER: config.notificationSender,
        ...(config.notificationSender === 'aws' && config.notificationFromAddress !== undefined
          ? { NOTIFICATION_FROM_ADDRESS: config.notificationFromAddress }
          : {}),
      },
    });
    this.sendNotifications = send;
    bindTable(send, stateful.tables.notifications);
    bindInternalApi(send, props.internalApi, [props.subscriptionsRoute]);
    // Small batches: each record may send several messages through rate-limited channels.
    bindQueueConsumer(send, this.subscription.workQueue.queue, { batchSize: 5, maxConcurrency: 5 });
    this.monitorWorkQueue('DeliveryEventsQueue', this.subscription.workQueue);
    this.monitoring.monitorDeadLetterQueue(
      'DeliveryEventsTargetDlq',
      this.subscription.targetDeadLetterQueue,
    );

    if (config.notificationSender === 'aws' && config.notificationFromAddress !== undefined) {
      grantSending(send, config.notificationFromAddress);
    }
  }
}

/** SES email from exactly one sender identity, and SMS to phone numbers but never to a topic. */
function grantSending(fn: ServiceFunction, fromAddress: string): void {
  const stack = Stack.of(fn);
  const domain = fromAddress.split('@')[1];
  const identities = [fromAddress, ...(domain === undefined ? [] : [domain])].map((identity) =>
    stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
  );
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['ses:SendEmail'],
      // The sender is authorized through its address identity or its verified domain.
      resources: identities,
      conditions: { StringEquals: { 'ses:FromAddress': fromAddress } },
    }),
  );
  // SMS to a phone number has no resource ARN, so AWS requires "*"; the deny below keeps
  // the grant from reaching any SNS topic.
  fn.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
  fn.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.DENY,
      actions: ['sns:Publish'],
      resources: [`arn:${stack.partition}:sns:*:*:*`],
    }),
  );
  acknowledgeNagRule(
    fn.role ?? fn,
    'IAM5[Resource::*]',
    'SMS to a phone number (sns:Publish with PhoneNumber) has no resource ARN; publishing to any topic is denied',
  );
}
