// Reads a synthesized CDK cloud assembly and resolves its stack for this machine.
import path from 'node:path';
import type { ResolvedResource, ResolvedStack } from '../model.ts';
import { freePortRange } from '../ports.ts';
import {
  chooseStack,
  findStacks,
  readAssetFolders,
  readJson,
  type StackArtifact,
  stackNameOf,
} from './cloud-assembly.ts';
import { functionCodeOf } from './function-code.ts';
import {
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  type ResolveOptions,
  resolveTemplate,
  type Template,
} from './stack-resolver.ts';

export {
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  type ResolveOptions,
  resolveTemplate,
  type Template,
  type TemplateResource,
} from './stack-resolver.ts';

export interface LoadStackOptions extends Omit<ResolveOptions, 'stackName'> {
  /** Which stack of the assembly; needed only when it holds several. */
  stackName?: string;
  /** Where inline (`ZipFile`) function code is written; `.local` under the working directory by default. */
  stateDir?: string;
}

function readStackTemplate(stack: StackArtifact): Promise<Template> {
  const templateFile = stack.artifact.properties?.templateFile ?? `${stack.artifactId}.template.json`;
  return readJson<Template>(path.join(stack.assemblyDir, templateFile));
}

/** Loads the stack of a synthesized cloud assembly (`cdk.out`), resolved to local names and URLs. */
export async function loadStack(cloudAssemblyDir: string, options: LoadStackOptions): Promise<ResolvedStack> {
  const assemblyDir = path.resolve(cloudAssemblyDir);
  const stack = chooseStack(await findStacks(assemblyDir), options.stackName, assemblyDir);
  const template = await readStackTemplate(stack);
  const stackName = stackNameOf(stack);
  // Port 0: as many free ports in a row as the template has HTTP APIs, found before the functions
  // are told the APIs' URLs.
  const apiBasePort =
    options.apiBasePort === 0
      ? await freePortRange(Math.max(1, httpApiCount(template)))
      : options.apiBasePort;
  const resources = resolveTemplate(template, {
    stackName,
    edgeUrl: options.edgeUrl,
    apiBasePort,
    ...(options.parameters ? { parameters: options.parameters } : {}),
  });
  const assets = await readAssetFolders(stack);
  const stateDir = path.resolve(options.stateDir ?? '.local');
  const functionCode = new Map<string, string>();
  for (const resource of resources.values()) {
    if (resource.type === 'AWS::Lambda::Function') {
      functionCode.set(resource.logicalId, await functionCodeOf(resource, assets, stateDir));
    }
  }
  return {
    stackName,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    cloudAssemblyDir: assemblyDir,
    resources,
    functionCode,
  };
}

/** How many HTTP APIs a template declares: each takes the next port from `apiBasePort` on. */
export function httpApiCount(template: Template): number {
  return Object.values(template.Resources ?? {}).filter(
    (resource) => resource.Type === 'AWS::ApiGatewayV2::Api',
  ).length;
}

/** How many HTTP APIs the stack of a cloud assembly declares (`stackName` when it holds several). */
export async function assemblyHttpApiCount(cloudAssemblyDir: string, stackName?: string): Promise<number> {
  const assemblyDir = path.resolve(cloudAssemblyDir);
  const stack = chooseStack(await findStacks(assemblyDir), stackName, assemblyDir);
  return httpApiCount(await readStackTemplate(stack));
}

/** The stack's resources of one type, in template order. */
export function resourcesOfType(stack: Pick<ResolvedStack, 'resources'>, type: string): ResolvedResource[] {
  return [...stack.resources.values()].filter((resource) => resource.type === type);
}
