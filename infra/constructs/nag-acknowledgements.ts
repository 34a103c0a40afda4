// cdk-nag (AwsSolutions) findings the design accepts, each with its reason, acknowledged on the
// narrowest construct that carries it. cdk-nag 3 has no prefix matching: a wildcard finding is
// acknowledged by its exact text, which is rebuilt here the way cdk-nag renders it.
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

const PACK = 'AwsSolutions';

/** Acknowledges one AwsSolutions rule (e.g. `APIG4`, or `IAM5[Resource::*]`) on a construct and its children. */
export function acknowledgeNagRule(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${PACK}::${PACK}-${rule}`, reason });
}

/** Acknowledges the IAM5 finding of a wildcard resource ARN (a string or a token) on a construct. */
export function acknowledgeWildcardResource(scope: IConstruct, arn: string, reason: string): void {
  const rendered = flattenCfnReference(Stack.of(scope).resolve(arn));
  acknowledgeNagRule(scope, `IAM5[Resource::${rendered}]`, reason);
}

// cdk-nag's own rendering of a resolved CloudFormation value (utils/flatten-cfn-reference).
function flattenCfnReference(node: unknown): string {
  if (node === undefined) {
    return '';
  }
  if (typeof node === 'string') {
    return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  }
  if (typeof node === 'object' && node !== null) {
    const value = node as Record<string, unknown>;
    if (Array.isArray(value['Fn::Join'])) {
      const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
      return items.map(flattenCfnReference).join(delimiter);
    }
    if (value['Fn::Sub'] !== undefined) {
      return flattenCfnReference(value['Fn::Sub']);
    }
    if (Array.isArray(value['Fn::GetAtt'])) {
      const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
    }
    if (value['Fn::ImportValue'] !== undefined) {
      return flattenCfnReference(value['Fn::ImportValue']);
    }
    if (value.Ref !== undefined) {
      return `<${flattenCfnReference(value.Ref)}>`;
    }
  }
  return JSON.stringify(node);
}
