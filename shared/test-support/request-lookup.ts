import type { RequestLookup, RequestView } from '../request-lookup.ts';

// An in-memory Scheduler request lookup for tests: the requests it was given, by delivery id.

/** A lookup that knows `requests` (none: no accepted request anywhere). */
export function requestLookupOf(...requests: Pick<RequestView, 'deliveryId' | 'accountId'>[]): RequestLookup {
  return {
    async find(deliveryId) {
      const found = requests.find((request) => request.deliveryId === deliveryId);
      if (!found) return undefined;
      return {
        pickup: { latitude: 47.6, longitude: -122.3, altitude: 0 },
        dropoff: { latitude: 47.61, longitude: -122.31, altitude: 0 },
        pickupTime: '2026-05-04T15:00:00.000Z',
        deadline: '2026-05-04T17:00:00.000Z',
        expedited: false,
        confirmationRequired: 'None',
        package: { size: 'Small', weightKg: 1 },
        createdAt: '2026-05-04T14:00:00.000Z',
        updatedAt: '2026-05-04T14:00:00.000Z',
        ...found,
      };
    },
  };
}
