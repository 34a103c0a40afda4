// The shapes the stack tests read a synthesized template through, written once.

export type Json = Record<string, unknown>;

/** A template resource: its type and properties. */
export interface Resource {
  Type: string;
  Properties: Json;
}

/** An IAM policy statement. */
export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
}

/** A value CloudFormation accepts as one item or a list, as a list. */
export const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
