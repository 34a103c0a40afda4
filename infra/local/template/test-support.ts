// Helpers for the template tests: resolving a template in memory with fixed local options.
import type { ResolvedResource } from '../model.ts';
import { resolveTemplate, type Template } from './stack-resolver.ts';

/** CloudFormation's Fn::Sub placeholder for a name, written without `${` in a plain string literal. */
export const sub = (name: string) => `$${'{'}${name}}`;

export const RESOLVE_OPTIONS = { stackName: 'App', edgeUrl: 'http://127.0.0.1:4566', apiBasePort: 3100 };

export function resolve(template: Template): Map<string, ResolvedResource> {
  return resolveTemplate(template, RESOLVE_OPTIONS);
}

export function one(template: Template, logicalId: string): ResolvedResource {
  const resource = resolve(template).get(logicalId);
  if (!resource) throw new Error(`${logicalId} not resolved`);
  return resource;
}
