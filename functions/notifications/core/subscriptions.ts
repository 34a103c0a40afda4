import * as z from 'zod';

// The Delivery service owns subscriptions; Notifications asks for them on every event, so a
// subscription made a moment ago is honoured (no copy to keep in sync).

export const Subscription = z.looseObject({
  subscriptionId: z.string().min(1),
  channel: z.enum(['email', 'sms']),
  target: z.string().min(1),
});
export type Subscription = z.infer<typeof Subscription>;

/** The subscriptions of a delivery. */
export interface SubscriptionSource {
  list(deliveryId: string, remainingTimeMs: () => number): Promise<Subscription[]>;
}
