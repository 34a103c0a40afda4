import type { LocalLogger, PolicyStatement } from '../model.ts';

const patternCache = new Map<string, RegExp>();
const conditionWarned = new WeakSet<PolicyStatement>();

function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function wildcardRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const key = `${caseInsensitive ? 'i' : 's'}:${pattern}`;
  let compiled = patternCache.get(key);
  if (!compiled) {
    const source = pattern
      .split('')
      .map((char) => {
        if (char === '*') return '.*';
        if (char === '?') return '.';
        return char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
      })
      .join('');
    compiled = new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
    patternCache.set(key, compiled);
  }
  return compiled;
}

/** Matches an IAM pattern (with `*` and `?` wildcards) against a value. */
export function matchesIamPattern(pattern: string, value: string, caseInsensitive = false): boolean {
  return wildcardRegExp(pattern, caseInsensitive).test(value);
}

function matchesAction(
  statement: PolicyStatement & { NotAction?: string | string[] },
  action: string,
): boolean {
  if (statement.NotAction !== undefined) {
    return !toList(statement.NotAction).some((pattern) => matchesIamPattern(pattern, action, true));
  }
  return toList(statement.Action).some((pattern) => matchesIamPattern(pattern, action, true));
}

function matchesResource(statement: PolicyStatement, resource: string): boolean {
  if (statement.NotResource !== undefined) {
    return !toList(statement.NotResource).some((pattern) => matchesIamPattern(pattern, resource));
  }
  return toList(statement.Resource).some((pattern) => matchesIamPattern(pattern, resource));
}

function applies(statement: PolicyStatement, action: string, resource: string, log?: LocalLogger): boolean {
  if (!matchesAction(statement, action) || !matchesResource(statement, resource)) return false;
  if (statement.Condition !== undefined && Object.keys(statement.Condition).length > 0) {
    // Conditions need request context the local cloud does not model; ignoring them would grant too much.
    if (!conditionWarned.has(statement)) {
      conditionWarned.add(statement);
      log?.warn('IAM statement with a Condition is not supported locally and does not match', {
        action,
        resource,
        condition: statement.Condition,
      });
    }
    return false;
  }
  return true;
}

/** Evaluates identity-based IAM statements as AWS does: an explicit Deny wins, else an Allow is needed. */
export function isAllowed(
  statements: readonly PolicyStatement[],
  action: string,
  resourceArn: string,
  log?: LocalLogger,
): boolean {
  let allowed = false;
  for (const statement of statements) {
    if (!applies(statement, action, resourceArn, log)) continue;
    if (statement.Effect === 'Deny') return false;
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

/** `isAllowed` of a statement list that never changes (a role's), remembered per action and resource. */
export type PolicyDecisions = (
  statements: readonly PolicyStatement[],
  action: string,
  resourceArn: string,
  log?: LocalLogger,
) => boolean;

/**
 * Remembers each decision of `isAllowed` per statement list (by identity: the identity registry keeps
 * one list per role), action and resource, so that a function's every call is not evaluated again.
 */
export function createPolicyDecisions(maxPerStatements = 4_096): PolicyDecisions {
  const decisions = new WeakMap<readonly PolicyStatement[], Map<string, boolean>>();
  return (statements, action, resourceArn, log) => {
    let known = decisions.get(statements);
    if (!known) {
      known = new Map();
      decisions.set(statements, known);
    }
    const key = `${action}\0${resourceArn}`;
    let allowed = known.get(key);
    if (allowed === undefined) {
      allowed = isAllowed(statements, action, resourceArn, log);
      if (known.size >= maxPerStatements) known.clear();
      known.set(key, allowed);
    }
    return allowed;
  };
}
