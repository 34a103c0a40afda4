import { createHash, createHmac } from 'node:crypto';
import type { CallerIdentity, PolicyStatement, ResolvedResource, ResolvedStack } from '../model.ts';

/** Static credentials the local cloud hands to one function. */
export interface FunctionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A template function as the identity registry knows it. */
export interface LocalFunction {
  logicalId: string;
  functionName: string;
  arn: string;
  roleArn: string;
}

export interface IdentityRegistry {
  readonly accountId: string;
  readonly region: string;
  /** The credentials of a function, by name, ARN or logical id. Throws for an unknown function. */
  credentialsFor(functionRef: string): FunctionCredentials;
  /** The function that owns an access key; `undefined` for any other key (an administrator's). */
  identify(accessKeyId: string): CallerIdentity | undefined;
  /** The secret of a function's access key, to verify its signatures; `undefined` for other keys. */
  secretFor(accessKeyId: string): string | undefined;
  /** Every identity-based statement of a role of the template, by its ARN. */
  statementsForRole(roleArn: string): PolicyStatement[];
  /** A function of the template by name, ARN (optionally qualified) or logical id. */
  findFunction(functionRef: string): LocalFunction | undefined;
}

const AWS_MANAGED_POLICY = /^arn:[^:]+:iam::aws:policy\//;

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrList(value: unknown): string | string[] | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return undefined;
}

function statementsOf(document: unknown): PolicyStatement[] {
  if (!isRecord(document)) return [];
  const statements: PolicyStatement[] = [];
  for (const raw of asArray(document.Statement)) {
    if (!isRecord(raw) || (raw.Effect !== 'Allow' && raw.Effect !== 'Deny')) continue;
    const statement: PolicyStatement & { NotAction?: string | string[] } = {
      Effect: raw.Effect,
      Action: stringOrList(raw.Action) ?? [],
    };
    const notAction = stringOrList(raw.NotAction);
    if (notAction !== undefined) statement.NotAction = notAction;
    const resource = stringOrList(raw.Resource);
    if (resource !== undefined) statement.Resource = resource;
    const notResource = stringOrList(raw.NotResource);
    if (notResource !== undefined) statement.NotResource = notResource;
    if (isRecord(raw.Condition)) statement.Condition = raw.Condition;
    statements.push(statement);
  }
  return statements;
}

function deriveCredentials(functionName: string, seed: string): FunctionCredentials {
  const digest = createHash('sha256').update(`${functionName}\0${seed}`).digest('hex');
  const secret = createHmac('sha256', seed).update(`secret:${functionName}`).digest('base64');
  return {
    accessKeyId: `LOCAL${digest.slice(0, 16).toUpperCase()}`,
    secretAccessKey: secret.replace(/[^A-Za-z0-9]/g, '').slice(0, 40),
  };
}

/** Builds the per-function credentials and the role policies of a resolved stack. */
export function createIdentityRegistry(
  stack: ResolvedStack,
  options: { secretSeed: string },
): IdentityRegistry {
  const resources = [...stack.resources.values()];
  const ofType = (type: string) => resources.filter((resource) => resource.type === type);
  const roles = ofType('AWS::IAM::Role');
  const policies = ofType('AWS::IAM::Policy');
  const managedPolicies = ofType('AWS::IAM::ManagedPolicy');

  const roleStatements = new Map<string, PolicyStatement[]>();
  const roleByArn = new Map<string, ResolvedResource>();
  for (const role of roles) {
    const arn = role.attributes.Arn ?? `arn:aws:iam::${stack.accountId}:role/${role.ref}`;
    roleByArn.set(arn, role);
  }

  const statementsForRole = (roleArn: string): PolicyStatement[] => {
    const cached = roleStatements.get(roleArn);
    if (cached) return cached;
    const role = roleByArn.get(roleArn);
    if (!role) return [];
    const roleName = role.ref;
    const statements: PolicyStatement[] = [];
    for (const inline of asArray(role.properties.Policies)) {
      if (isRecord(inline)) statements.push(...statementsOf(inline.PolicyDocument));
    }
    for (const policy of policies) {
      if (asArray(policy.properties.Roles).includes(roleName)) {
        statements.push(...statementsOf(policy.properties.PolicyDocument));
      }
    }
    // AWS managed policies (basic execution, X-Ray) only grant logs and traces, which are not local resources.
    const attachedArns = asArray(role.properties.ManagedPolicyArns).filter(
      (arn): arn is string => typeof arn === 'string' && !AWS_MANAGED_POLICY.test(arn),
    );
    for (const managed of managedPolicies) {
      const attached =
        asArray(managed.properties.Roles).includes(roleName) ||
        attachedArns.includes(managed.ref) ||
        (managed.attributes.Arn !== undefined && attachedArns.includes(managed.attributes.Arn));
      if (attached) statements.push(...statementsOf(managed.properties.PolicyDocument));
    }
    roleStatements.set(roleArn, statements);
    return statements;
  };

  const functions: Array<LocalFunction & FunctionCredentials> = ofType('AWS::Lambda::Function').map((fn) => {
    const functionName = fn.physicalName;
    return {
      logicalId: fn.logicalId,
      functionName,
      arn: fn.attributes.Arn ?? `arn:aws:lambda:${stack.region}:${stack.accountId}:function:${functionName}`,
      roleArn: typeof fn.properties.Role === 'string' ? fn.properties.Role : '',
      ...deriveCredentials(functionName, options.secretSeed),
    };
  });
  const byAccessKey = new Map(functions.map((fn) => [fn.accessKeyId, fn]));

  const findEntry = (functionRef: string) => {
    const unqualified = functionRef.startsWith('arn:')
      ? functionRef.split(':').slice(0, 7).join(':')
      : functionRef.split(':')[0];
    return functions.find(
      (fn) => fn.functionName === unqualified || fn.arn === unqualified || fn.logicalId === unqualified,
    );
  };

  return {
    accountId: stack.accountId,
    region: stack.region,
    credentialsFor(functionRef) {
      const fn = findEntry(functionRef);
      if (!fn) throw new Error(`No function "${functionRef}" in stack ${stack.stackName}`);
      return { accessKeyId: fn.accessKeyId, secretAccessKey: fn.secretAccessKey };
    },
    identify(accessKeyId) {
      const fn = byAccessKey.get(accessKeyId);
      if (!fn) return undefined;
      return {
        kind: 'function',
        functionName: fn.functionName,
        roleArn: fn.roleArn,
        statements: statementsForRole(fn.roleArn),
      };
    },
    secretFor(accessKeyId) {
      return byAccessKey.get(accessKeyId)?.secretAccessKey;
    },
    statementsForRole,
    findFunction(functionRef) {
      const fn = findEntry(functionRef);
      return (
        fn && { logicalId: fn.logicalId, functionName: fn.functionName, arn: fn.arn, roleArn: fn.roleArn }
      );
    },
  };
}

/** The principal ARN AWS names in access-denied messages for a caller. */
export function principalArnOf(caller: CallerIdentity, accountId: string): string {
  if (caller.kind === 'admin') return `arn:aws:iam::${accountId}:root`;
  const roleName = caller.roleArn.split('/').pop() ?? caller.roleArn;
  return `arn:aws:sts::${accountId}:assumed-role/${roleName}/${caller.functionName}`;
}
