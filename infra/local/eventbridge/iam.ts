// A small IAM evaluator for the actions this EventBridge checks: identity policies only.
import type { PolicyStatement } from '../model.ts';

// The policies are those the caller's role carries. An explicit Deny wins over any Allow; without an Allow
// the answer is an implicit deny. Conditions are not evaluated locally: a statement with a Condition is
// taken as applying (the local cloud has no request context to test them against), which errs towards
// allowing, never towards a false denial.

function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Whether `value` matches an IAM pattern where `*` is any run of characters and `?` any one character. */
export function iamWildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function statementApplies(statement: PolicyStatement, action: string, resource: string): boolean {
  // Action names are case-insensitive in IAM; resource ARNs are not.
  const actionMatches = toList(statement.Action).some((pattern) => iamWildcardMatch(pattern, action, true));
  if (!actionMatches) return false;
  if (statement.NotResource !== undefined) {
    return !toList(statement.NotResource).some((pattern) => iamWildcardMatch(pattern, resource));
  }
  return toList(statement.Resource).some((pattern) => iamWildcardMatch(pattern, resource));
}

/** Whether identity statements allow `action` (e.g. `events:PutEvents`) on `resource` (an ARN). */
export function isAllowed(statements: PolicyStatement[], action: string, resource: string): boolean {
  let allowed = false;
  for (const statement of statements) {
    if (!statementApplies(statement, action, resource)) continue;
    if (statement.Effect === 'Deny') return false;
    allowed = true;
  }
  return allowed;
}
