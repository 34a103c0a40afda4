// Every resource type the local cloud accepts, emulated or inert; any other is refused (docs/architecture.md §6).
import { EMULATED_TYPES } from './emulated-types.ts';
import type { ResourceTypeSpec } from './identities.ts';
import { INERT_TYPES } from './inert-types.ts';

/** Every resource type the local cloud accepts. Types not listed here are refused. */
export const RESOURCE_TYPES: Readonly<Record<string, ResourceTypeSpec>> = {
  ...EMULATED_TYPES,
  ...INERT_TYPES,
};

/** Resource types that the local cloud skips entirely (not even resolved). */
export const IGNORED_RESOURCE_TYPES: ReadonlySet<string> = new Set(['AWS::CDK::Metadata']);
