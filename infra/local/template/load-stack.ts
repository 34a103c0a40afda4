// Reads a synthesized CDK cloud assembly and resolves its stack for this machine.
import path from 'node:path';
import type { ResolvedResource, ResolvedStack } from '../model.ts';
import { chooseStack, findStacks, readAssetFolders, readJson, stackNameOf } from './cloud-assembly.ts';
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

/** Loads the stack of a synthesized cloud assembly (`cdk.out`), resolved to local names and URLs. */
export async function loadStack(cloudAssemblyDir: string, options: LoadStackOptions): Promise<ResolvedStack> {
  const assemblyDir = path.resolve(cloudAssemblyDir);
  const stack = chooseStack(await findStacks(assemblyDir), options.stackName, assemblyDir);
  const templateFile = stack.artifact.properties?.templateFile ?? `${stack.artifactId}.template.json`;
  const template = await readJson<Template>(path.join(stack.assemblyDir, templateFile));
  const stackName = stackNameOf(stack);
  const resources = resolveTemplate(template, {
    stackName,
    edgeUrl: options.edgeUrl,
    apiBasePort: options.apiBasePort,
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

/** The stack's resources of one type, in template order. */
export function resourcesOfType(stack: Pick<ResolvedStack, 'resources'>, type: string): ResolvedResource[] {
  return [...stack.resources.values()].filter((resource) => resource.type === type);
}
