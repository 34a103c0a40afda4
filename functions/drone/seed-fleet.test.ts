import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../test/support/lambda.ts';
import { chargedAt, demoFleet } from './core/fleet.ts';
import { handler } from './seed-fleet.ts';

const ddb = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  ddb.reset();
});

describe('seed-fleet trigger', () => {
  it('puts every demo drone and its profile only if absent', async () => {
    ddb.on(PutCommand).resolves({});
    const result = await handler({}, lambdaContext());
    expect(result).toEqual({ created: demoFleet().length, existing: 0 });
    const puts = ddb.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(puts).toHaveLength(2 * demoFleet().length);
    expect(puts.every((input) => input.ConditionExpression === 'attribute_not_exists(pk)')).toBe(true);
    const profiles = puts.filter((input) => input.Item?.sk === 'PROFILE').map((input) => input.Item ?? {});
    expect(profiles).toHaveLength(demoFleet().length);
    expect(profiles.every((item) => String(item.dispatchPk).startsWith('CELL#'))).toBe(true);
  });

  it('makes a drone seeded short of a full battery bookable once charged', () => {
    const now = new Date('2030-01-01T10:00:00.000Z');
    const low = demoFleet().find((d) => d.batteryPercent === 15)!;
    const full = demoFleet().find((d) => d.batteryPercent === 100)!;
    // 85 % to charge at 1 % a minute; sixty times faster where the simulated drones are.
    expect(chargedAt(low, now)).toBe('2030-01-01T11:25:00.000Z');
    expect(chargedAt(low, now, 60)).toBe('2030-01-01T10:01:25.000Z');
    expect(chargedAt(full, now)).toBeUndefined();
  });

  it('counts drones that already exist instead of failing', async () => {
    ddb
      .on(PutCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' }));
    const result = await handler({}, lambdaContext());
    expect(result).toEqual({ created: 0, existing: demoFleet().length });
  });

  it('seeds at least twelve drones around Seattle, some too low on battery to fly', () => {
    const fleet = demoFleet();
    expect(fleet.length).toBeGreaterThanOrEqual(12);
    expect(
      fleet.every((d) => Math.abs(d.home.latitude - 47.6) < 0.1 && Math.abs(d.home.longitude + 122.3) < 0.1),
    ).toBe(true);
    expect(fleet.some((d) => d.batteryPercent < 30)).toBe(true);
    expect(new Set(fleet.map((d) => d.payloadLimitKg)).size).toBeGreaterThan(5);
  });
});
