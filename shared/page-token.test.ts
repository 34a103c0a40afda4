import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ValidationError } from './errors.ts';
import { decodePageToken, encodePageToken } from './page-token.ts';

const Position = z.strictObject({ pk: z.string(), sk: z.string() });
const ofDelivery = (id: string) => (position: { pk: string }) => position.pk === `DELIVERY#${id}`;

describe('page tokens', () => {
  it('round-trips a position of the same list', () => {
    const token = encodePageToken({ pk: 'DELIVERY#d-1', sk: 'EVENT#1' });

    expect(decodePageToken(token, Position, ofDelivery('d-1'), 'delivery')).toEqual({
      pk: 'DELIVERY#d-1',
      sk: 'EVENT#1',
    });
  });

  it("refuses another list's token", () => {
    const token = encodePageToken({ pk: 'DELIVERY#d-2', sk: 'EVENT#1' });

    expect(() => decodePageToken(token, Position, ofDelivery('d-1'), 'delivery')).toThrow(ValidationError);
  });

  it('refuses a token that is not base64 JSON or has the wrong shape', () => {
    expect(() => decodePageToken('%%%', Position, ofDelivery('d-1'), 'delivery')).toThrow(ValidationError);
    expect(() =>
      decodePageToken(encodePageToken({ pk: 1 }), Position, ofDelivery('d-1'), 'delivery'),
    ).toThrow(ValidationError);
  });
});
