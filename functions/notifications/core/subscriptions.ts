import * as z from 'zod';
import type { InternalApiClient } from '../../../shared/internal-api.ts';
import type { Downstream } from '../../../shared/resilience.ts';

// The Delivery service owns subscriptions; Notifications asks for them on every event, so a
// subscription made a moment ago is honoured (no copy to keep in sync).

const Subscription = z.looseObject({
  subscriptionId: z.string().min(1),
  channel: z.enum(['email', 'sms']),
  target: z.string().min(1),
});
export type Subscription = z.infer<typeof Subscription>;
const SubscriptionList = z.looseObject({ items: z.array(Subscription) });

/** The subscriptions of a delivery. */
export interface SubscriptionSource {
  list(deliveryId: string, remainingTimeMs: () => number): Promise<Subscription[]>;
}

/** Reads subscriptions through the Delivery service's internal API, with retries and a circuit breaker. */
export function createSubscriptionSource(
  client: InternalApiClient,
  downstream: Downstream,
): SubscriptionSource {
  return {
    async list(deliveryId, remainingTimeMs) {
      const response = await downstream.call(
        () => client.request<unknown>('GET', `/deliveries/${encodeURIComponent(deliveryId)}/subscriptions`),
        remainingTimeMs,
      );
      return SubscriptionList.parse(response.body).items;
    },
  };
}
