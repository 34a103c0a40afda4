import { describe, expect, it } from 'vitest';
import { listFixtures } from '../../../events/fixtures.ts';
import { parseDeliveryEvent } from '../../../events/schemas.ts';
import { renderMessage } from './messages.ts';

const EVENTS = listFixtures('events/fixtures')
  .flatMap((fixture) => fixture.events)
  .filter((event) => event.source === 'drone-delivery.deliveries')
  .map((event) => parseDeliveryEvent(event));

describe('renderMessage', () => {
  it.each(EVENTS.map((event) => [event.detailType, event] as const))(
    'tells about %s in a subject and an SMS-sized text naming the delivery',
    (_type, event) => {
      const message = renderMessage(event);

      expect(message.subject).toContain(event.detail.deliveryId);
      expect(message.text).toContain(event.detail.deliveryId);
      expect(message.text.length).toBeLessThanOrEqual(160);
    },
  );
});
