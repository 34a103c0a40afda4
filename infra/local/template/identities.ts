// The shape of a resource type's entry, and what `Ref` and `Fn::GetAtt` give for each type here.
import { createHash } from 'node:crypto';

/** What a type's identity function may read. */
export interface IdentityInput {
  logicalId: string;
  stackName: string;
  region: string;
  accountId: string;
  /** Base URL of the local AWS edge endpoint (queue URLs are built on it). */
  edgeUrl: string;
  /** One of the resource's own properties, resolved (undefined when absent). */
  prop(name: string): unknown;
  /** The local port of an HTTP API (only for `AWS::ApiGatewayV2::Api`). */
  apiPort(): number;
}

/** A resource's physical name, its `Ref` value and its `Fn::GetAtt` attributes. */
export interface Identity {
  physicalName: string;
  ref: string;
  attributes: Record<string, string>;
}

export interface ResourceTypeSpec {
  /**
   * `emulated`: the local cloud acts on it, and refuses properties it does not know.
   * `inert`: accepted and resolved (so others can reference it), with no local effect.
   */
  mode: 'emulated' | 'inert';
  /** For emulated types: every property the local cloud accepts (acted on or documented as inert). */
  knownProperties?: readonly string[];
  identity(input: IdentityInput): Identity;
}

/** Properties every emulated type may carry without effect here. */
export const TAGS = ['Tags'] as const;

/** A short, deterministic, lowercase id derived from a logical id (API ids, client ids, ...). */
export function deterministicId(seed: string, length = 10): string {
  const digest = createHash('sha256').update(seed).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < length; i++) id += alphabet[(digest[i] ?? 0) % alphabet.length];
  return id;
}

export function nameOf(input: IdentityInput, property: string): string {
  const value = input.prop(property);
  return typeof value === 'string' && value !== '' ? value : input.logicalId;
}

export const arn = (input: IdentityInput, service: string, resource: string, region = input.region): string =>
  `arn:aws:${service}:${region}:${input.accountId}:${resource}`;

/** A resource whose `Ref` is its name and which offers only that. */
export const named =
  (
    property: string,
    attributes: (input: IdentityInput, name: string) => Record<string, string> = () => ({}),
  ) =>
  (input: IdentityInput): Identity => {
    const name = nameOf(input, property);
    return { physicalName: name, ref: name, attributes: attributes(input, name) };
  };

/** A resource whose `Ref` is a generated id. */
export const generatedId =
  (length = 10) =>
  (input: IdentityInput): Identity => {
    const id = deterministicId(`${input.stackName}/${input.logicalId}`, length);
    return { physicalName: id, ref: id, attributes: {} };
  };

export function functionArnFrom(input: IdentityInput, functionRef: unknown): string {
  const ref = typeof functionRef === 'string' ? functionRef : '';
  return ref.startsWith('arn:') ? ref : arn(input, 'lambda', `function:${ref}`);
}

export function tableIdentity(input: IdentityInput): Identity {
  const name = nameOf(input, 'TableName');
  const tableArn = arn(input, 'dynamodb', `table/${name}`);
  const attributes: Record<string, string> = { Arn: tableArn, TableId: deterministicId(tableArn, 32) };
  // DynamoDB Local names its streams by creation time; this fixed label stands in for it in the
  // template (IAM grants use it). The event source mappings read the real one from DynamoDB Local.
  if (input.prop('StreamSpecification') !== undefined) {
    attributes.StreamArn = `${tableArn}/stream/1970-01-01T00:00:00.000`;
  }
  return { physicalName: name, ref: name, attributes };
}

export function queueIdentity(input: IdentityInput): Identity {
  const fifo = String(input.prop('FifoQueue')) === 'true';
  let name = nameOf(input, 'QueueName');
  if (fifo && !name.endsWith('.fifo')) name = `${name}.fifo`;
  const url = `${input.edgeUrl}/${input.accountId}/${name}`;
  return {
    physicalName: name,
    ref: url,
    attributes: { Arn: arn(input, 'sqs', name), QueueName: name, QueueUrl: url },
  };
}

function busNameOf(input: IdentityInput): string {
  const bus = input.prop('EventBusName');
  if (typeof bus !== 'string' || bus === '') return 'default';
  // A rule may name its bus by ARN; the bus name is the part after `event-bus/`.
  return bus.startsWith('arn:') ? bus.slice(bus.lastIndexOf('/') + 1) : bus;
}

export function ruleIdentity(input: IdentityInput): Identity {
  const name = nameOf(input, 'Name');
  const bus = busNameOf(input);
  const custom = bus !== 'default';
  return {
    physicalName: name,
    ref: custom ? `${bus}|${name}` : name,
    attributes: { Arn: arn(input, 'events', custom ? `rule/${bus}/${name}` : `rule/${name}`) },
  };
}

export function userPoolIdentity(input: IdentityInput): Identity {
  const id = `${input.region}_${deterministicId(`${input.stackName}/${input.logicalId}`, 9).toUpperCase()}`;
  const providerName = `cognito-idp.${input.region}.amazonaws.com/${id}`;
  return {
    physicalName: id,
    ref: id,
    attributes: {
      Arn: arn(input, 'cognito-idp', `userpool/${id}`),
      ProviderName: providerName,
      ProviderURL: `https://${providerName}`,
      UserPoolId: id,
    },
  };
}

export const apiChild =
  (idAttribute: string) =>
  (input: IdentityInput): Identity => {
    const id = deterministicId(`${input.stackName}/${input.logicalId}`, 7);
    return { physicalName: id, ref: id, attributes: { [idAttribute]: id } };
  };
