// The event operations of the API: PutEvents and TestEventPattern.
import { type Operations, str } from './api-params.ts';
import { authorize } from './authorize.ts';
import type { LocalEventBridge } from './bus.ts';
import { EventBridgeApiError } from './errors.ts';
import { testEventPattern } from './pattern.ts';

// TestEventPattern's documented mandatory event fields.
const MANDATORY_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'];

/** PutEvents and TestEventPattern, answered by the bridge. */
export function eventOperations(bridge: LocalEventBridge): Operations {
  return {
    PutEvents: (params, caller) => bridge.putEvents(params.Entries, caller),

    TestEventPattern: (params, caller) => {
      authorize(caller, 'TestEventPattern', '*');
      const pattern = str(params, 'EventPattern', true);
      const eventText = str(params, 'Event', true);
      let event: unknown;
      try {
        event = JSON.parse(eventText);
      } catch {
        throw new EventBridgeApiError(
          'ValidationException',
          'Parameter Event is not valid. Reason: Event is not valid JSON.',
        );
      }
      const missing = MANDATORY_EVENT_FIELDS.filter(
        (field) => typeof event !== 'object' || event === null || !(field in event),
      );
      if (missing.length > 0) {
        throw new EventBridgeApiError(
          'ValidationException',
          `Parameter Event is not valid. Reason: Provided Event is missing required field(s): ${missing.join(', ')}.`,
        );
      }
      return { Result: testEventPattern(pattern, event) };
    },
  };
}
