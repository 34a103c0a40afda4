import * as z from 'zod';
import { ConflictError, NotFoundError, UnprocessableError } from '../../../shared/errors.ts';

export const PACKAGE_SIZES = ['Small', 'Medium', 'Large'] as const;
export type PackageSize = (typeof PACKAGE_SIZES)[number];

/** The heaviest package each size may hold (docs/internals.md). */
export const WEIGHT_LIMITS_KG: Readonly<Record<PackageSize, number>> = { Small: 2, Medium: 5, Large: 10 };

export const packageSchema = z.object({
  packageId: z.string().min(1),
  deliveryId: z.string().min(1),
  accountId: z.string().min(1),
  size: z.enum(PACKAGE_SIZES),
  weightKg: z.number(),
  tag: z.string().optional(),
  status: z.enum(['Active', 'Cancelled']),
});
export type Package = z.infer<typeof packageSchema>;

/** What the scheduler asks for. */
export interface PackageSpec {
  accountId: string;
  size: PackageSize;
  weightKg: number;
  tag?: string | undefined;
}

/** The package table as the logic sees it. */
export interface PackageStore {
  get(deliveryId: string): Promise<Package | undefined>;
  /** Creates or updates the delivery's package; false when it belongs to another account. */
  upsert(pkg: Package, now: string): Promise<boolean>;
  /** Marks the package Cancelled; undefined when there is none. */
  cancel(deliveryId: string, now: string): Promise<Package | undefined>;
}

export interface PackageDeps {
  store: PackageStore;
  now: () => Date;
}

/** The package id of a delivery: stable, so the same call twice names the same package. */
export function packageIdOf(deliveryId: string): string {
  return `pkg-${deliveryId}`;
}

/** Refuses a package heavier than its size allows. */
export function checkWeight(spec: Pick<PackageSpec, 'size' | 'weightKg'>): void {
  const limit = WEIGHT_LIMITS_KG[spec.size];
  if (spec.weightKg > limit) {
    throw new UnprocessableError(
      `A ${spec.size} package may weigh at most ${limit} kg; this one weighs ${spec.weightKg} kg.`,
      'package-rejected',
    );
  }
}

/**
 * Creates or updates the delivery's package (an idempotent upsert keyed by the delivery id): a
 * reschedule or a retried call gives the same package, reactivated if it had been cancelled.
 */
export async function putPackage(deps: PackageDeps, deliveryId: string, spec: PackageSpec): Promise<Package> {
  checkWeight(spec);
  const pkg: Package = {
    packageId: packageIdOf(deliveryId),
    deliveryId,
    accountId: spec.accountId,
    size: spec.size,
    weightKg: spec.weightKg,
    ...(spec.tag === undefined ? {} : { tag: spec.tag }),
    status: 'Active',
  };
  if (!(await deps.store.upsert(pkg, deps.now().toISOString()))) {
    throw new ConflictError(
      `The package of delivery ${deliveryId} belongs to another account.`,
      'package-owner-mismatch',
    );
  }
  return pkg;
}

/** Cancels the delivery's package; a delivery without one answers as cancelled too (idempotent). */
export async function cancelPackage(
  deps: PackageDeps,
  deliveryId: string,
): Promise<Package | { deliveryId: string; status: 'Cancelled' }> {
  return (
    (await deps.store.cancel(deliveryId, deps.now().toISOString())) ?? { deliveryId, status: 'Cancelled' }
  );
}

/** The delivery's package; 404 when there is none. */
export async function getPackage(deps: Pick<PackageDeps, 'store'>, deliveryId: string): Promise<Package> {
  const pkg = await deps.store.get(deliveryId);
  if (!pkg) throw new NotFoundError(`Delivery ${deliveryId} has no package.`);
  return pkg;
}
