import * as z from 'zod';
import type { InternalApiClient } from '../../../shared/internal-api.ts';
import type { Downstream } from '../../../shared/resilience.ts';
import { Subscription, type SubscriptionSource } from '../core/subscriptions.ts';

const SubscriptionList = z.looseObject({ items: z.array(Subscription) });

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
