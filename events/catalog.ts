// The event catalog: the single source of the bus's sources and detail-types. Producers publish
// with these constants and consumers' rules match on them, so no name is typed twice.

export const SOURCES = {
  deliveries: 'drone-delivery.deliveries',
  drones: 'drone-delivery.drones',
} as const;

export type Source = (typeof SOURCES)[keyof typeof SOURCES];

export const DETAIL_TYPES = {
  DeliveryCreated: 'DeliveryCreated',
  DeliveryRescheduled: 'DeliveryRescheduled',
  DeliveryInTransit: 'DeliveryInTransit',
  DeliveryCompleted: 'DeliveryCompleted',
  DeliveryCancelled: 'DeliveryCancelled',
  DeliveryFailed: 'DeliveryFailed',
  DeliveryRescheduleRejected: 'DeliveryRescheduleRejected',
  DronePositionChanged: 'DronePositionChanged',
  DroneStatusChanged: 'DroneStatusChanged',
} as const;

export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

export const DELIVERY_EVENT_TYPES = [
  DETAIL_TYPES.DeliveryCreated,
  DETAIL_TYPES.DeliveryRescheduled,
  DETAIL_TYPES.DeliveryInTransit,
  DETAIL_TYPES.DeliveryCompleted,
  DETAIL_TYPES.DeliveryCancelled,
  DETAIL_TYPES.DeliveryFailed,
  DETAIL_TYPES.DeliveryRescheduleRejected,
] as const;

export type DeliveryEventType = (typeof DELIVERY_EVENT_TYPES)[number];

export const DRONE_EVENT_TYPES = [
  DETAIL_TYPES.DronePositionChanged,
  DETAIL_TYPES.DroneStatusChanged,
] as const;

export type DroneEventType = (typeof DRONE_EVENT_TYPES)[number];

export const ALL_DETAIL_TYPES: readonly DetailType[] = [...DELIVERY_EVENT_TYPES, ...DRONE_EVENT_TYPES];

// Within a version only additive changes are allowed; a breaking change bumps the version here.
export const SCHEMA_VERSIONS = {
  DeliveryCreated: '1',
  DeliveryRescheduled: '1',
  DeliveryInTransit: '1',
  DeliveryCompleted: '1',
  DeliveryCancelled: '1',
  DeliveryFailed: '1',
  DeliveryRescheduleRejected: '1',
  DronePositionChanged: '1',
  DroneStatusChanged: '1',
} as const satisfies Record<DetailType, string>;

export const SOURCE_OF = {
  DeliveryCreated: SOURCES.deliveries,
  DeliveryRescheduled: SOURCES.deliveries,
  DeliveryInTransit: SOURCES.deliveries,
  DeliveryCompleted: SOURCES.deliveries,
  DeliveryCancelled: SOURCES.deliveries,
  DeliveryFailed: SOURCES.deliveries,
  DeliveryRescheduleRejected: SOURCES.deliveries,
  DronePositionChanged: SOURCES.drones,
  DroneStatusChanged: SOURCES.drones,
} as const satisfies Record<DetailType, Source>;

/** The source that publishes a detail-type. */
export function sourceOf<T extends DetailType>(detailType: T): (typeof SOURCE_OF)[T] {
  return SOURCE_OF[detailType];
}

/** The schemaVersion a producer puts in the metadata of a detail-type. */
export function schemaVersionOf(detailType: DetailType): string {
  return SCHEMA_VERSIONS[detailType];
}

/** Whether a string names a detail-type of the catalog. */
export function isDetailType(value: string): value is DetailType {
  return Object.hasOwn(DETAIL_TYPES, value);
}

/** Whether a detail-type is published by the deliveries source. */
export function isDeliveryEventType(value: string): value is DeliveryEventType {
  return (DELIVERY_EVENT_TYPES as readonly string[]).includes(value);
}

/** Whether a detail-type is published by the drones source. */
export function isDroneEventType(value: string): value is DroneEventType {
  return (DRONE_EVENT_TYPES as readonly string[]).includes(value);
}
