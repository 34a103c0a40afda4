import { describe, expect, it } from 'vitest';
import { listFixtures } from '../../../events/fixtures.ts';
import { parseDeliveryEvent, RESCHEDULE_REJECTION_REASONS } from '../../../events/schemas.ts';
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

describe('renderMessage of a refused reschedule', () => {
  const rejected = EVENTS.find((event) => event.detailType === 'DeliveryRescheduleRejected');

  it.each(RESCHEDULE_REJECTION_REASONS)(
    'tells why the change was refused when the reason is %s',
    (reason) => {
      if (rejected?.detailType !== 'DeliveryRescheduleRejected') throw new Error('fixture missing');
      const event = { ...rejected, detail: { ...rejected.detail, reason } };

      const message = renderMessage(event);

      expect(message.text).toMatch(/was refused: .+\. Its plan is unchanged\.$/);
      expect(message.text.length).toBeLessThanOrEqual(160);
    },
  );

  it('gives each reason its own words', () => {
    if (rejected?.detailType !== 'DeliveryRescheduleRejected') throw new Error('fixture missing');

    const texts = RESCHEDULE_REJECTION_REASONS.map(
      (reason) => renderMessage({ ...rejected, detail: { ...rejected.detail, reason } }).text,
    );

    expect(new Set(texts).size).toBe(RESCHEDULE_REJECTION_REASONS.length);
  });
});
