export { fakeEventBridge, type PublishedEvent } from '../../../events/test-support/fake-event-bridge.ts';

import type { NewDelivery } from '../core/lifecycle.ts';

/** A clock that advances one second per reading, so creation times order records. */
export function steppingClock(start = '2026-05-04T15:00:00.000Z') {
  let time = Date.parse(start);
  return () => {
    const now = new Date(time);
    time += 1000;
    return now;
  };
}

/** A valid new delivery (the fixtures' Seattle coordinates). */
export function newDelivery(accountId = 'acct-demo', overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    accountId,
    pickup: { latitude: 47.5806, longitude: -122.335, altitude: 0 },
    dropoff: { latitude: 47.6235, longitude: -122.319, altitude: 0 },
    pickupTime: '2026-05-04T16:00:00.000Z',
    deadline: '2026-05-04T18:00:00.000Z',
    expedited: false,
    confirmationRequired: 'None',
    package: { size: 'Small', weightKg: 1.2, tag: 'books' },
    ...overrides,
  };
}
