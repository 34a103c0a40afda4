import { describe, expect, it } from 'vitest';
import {
  ALL_DETAIL_TYPES,
  DELIVERY_EVENT_TYPES,
  DETAIL_TYPES,
  DRONE_EVENT_TYPES,
  isDeliveryEventType,
  isDetailType,
  isDroneEventType,
  SCHEMA_VERSIONS,
  SOURCES,
  schemaVersionOf,
  sourceOf,
} from './catalog.ts';

describe('event catalog', () => {
  it('maps every detail-type constant to its own name', () => {
    const entries = Object.entries(DETAIL_TYPES);

    const mismatched = entries.filter(([key, value]) => key !== value);

    expect(mismatched).toEqual([]);
  });

  it('splits the detail-types between the two sources without overlap or omission', () => {
    const split = [...DELIVERY_EVENT_TYPES, ...DRONE_EVENT_TYPES].sort();

    const all = Object.values(DETAIL_TYPES).sort();

    expect(split).toEqual(all);
    expect(ALL_DETAIL_TYPES).toHaveLength(all.length);
  });

  it('names the deliveries source for delivery events and the drones source for drone events', () => {
    const deliverySources = new Set(DELIVERY_EVENT_TYPES.map(sourceOf));
    const droneSources = new Set(DRONE_EVENT_TYPES.map(sourceOf));

    expect([...deliverySources]).toEqual([SOURCES.deliveries]);
    expect([...droneSources]).toEqual([SOURCES.drones]);
  });

  it('gives every detail-type a schema version', () => {
    const versions = ALL_DETAIL_TYPES.map(schemaVersionOf);

    expect(versions).toEqual(ALL_DETAIL_TYPES.map((t) => SCHEMA_VERSIONS[t]));
    expect(versions.every((v) => /^\d+$/.test(v))).toBe(true);
  });

  it('recognises catalog detail-types and rejects other strings', () => {
    const results = ['DeliveryCreated', 'DroneStatusChanged', 'toString', 'deliverycreated'].map(
      isDetailType,
    );

    expect(results).toEqual([true, true, false, false]);
  });

  it('tells delivery event types from drone event types', () => {
    const delivery = ['DeliveryFailed', 'DronePositionChanged'].map(isDeliveryEventType);
    const drone = ['DeliveryFailed', 'DronePositionChanged'].map(isDroneEventType);

    expect(delivery).toEqual([true, false]);
    expect(drone).toEqual([false, true]);
  });
});
