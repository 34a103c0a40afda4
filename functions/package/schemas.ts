import * as z from 'zod';
import { PACKAGE_SIZES } from './core/packages.ts';

// Input schemas of the Package internal routes (docs/internals.md, "Internal API bodies").
// Bodies come from the trusted scheduler: unknown fields are dropped rather than refused.

export const DeliveryIdParams = z.object({
  deliveryId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a delivery id'),
});

export const PutPackageRequest = z.object({
  accountId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'not an account id'),
  size: z.enum(PACKAGE_SIZES),
  weightKg: z.number().positive(),
  tag: z.string().min(1).max(100).optional(),
});
