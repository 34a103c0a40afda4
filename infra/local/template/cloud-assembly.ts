// Reads a synthesized CDK cloud assembly: its manifest, its stacks (nested stages too) and its asset folders.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TemplateError } from './intrinsics.ts';

interface ManifestArtifact {
  type: string;
  displayName?: string;
  dependencies?: string[];
  properties?: { templateFile?: string; stackName?: string; file?: string; directoryName?: string };
}

interface AssetManifest {
  files?: Record<
    string,
    { source?: { path?: string; packaging?: string }; destinations?: Record<string, { objectKey?: string }> }
  >;
}

export interface StackArtifact {
  assemblyDir: string;
  artifactId: string;
  artifact: ManifestArtifact;
  artifacts: Record<string, ManifestArtifact>;
}

export async function readJson<T>(file: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new TemplateError(`Cannot read ${file}: ${(error as Error).message}. Run \`npx cdk synth\` first.`);
  }
  return JSON.parse(text) as T;
}

export async function findStacks(assemblyDir: string): Promise<StackArtifact[]> {
  const manifest = await readJson<{ artifacts?: Record<string, ManifestArtifact> }>(
    path.join(assemblyDir, 'manifest.json'),
  );
  const artifacts = manifest.artifacts ?? {};
  const stacks: StackArtifact[] = [];
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (artifact.type === 'aws:cloudformation:stack') {
      stacks.push({ assemblyDir, artifactId, artifact, artifacts });
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      // Stacks inside a CDK Stage live in a nested assembly.
      stacks.push(...(await findStacks(path.join(assemblyDir, artifact.properties.directoryName))));
    }
  }
  return stacks;
}

export function stackNameOf(stack: StackArtifact): string {
  return stack.artifact.properties?.stackName ?? stack.artifactId;
}

export function chooseStack(
  stacks: StackArtifact[],
  wanted: string | undefined,
  assemblyDir: string,
): StackArtifact {
  if (wanted !== undefined) {
    const found = stacks.find(
      (stack) =>
        stack.artifactId === wanted || stackNameOf(stack) === wanted || stack.artifact.displayName === wanted,
    );
    if (!found) {
      throw new TemplateError(
        `No stack ${wanted} in ${assemblyDir} (stacks: ${stacks.map(stackNameOf).join(', ') || 'none'})`,
      );
    }
    return found;
  }
  if (stacks.length !== 1) {
    throw new TemplateError(
      stacks.length === 0
        ? `No stack in ${assemblyDir}`
        : `${assemblyDir} holds several stacks (${stacks.map(stackNameOf).join(', ')}): name one`,
    );
  }
  return stacks[0]!;
}

export async function readAssetFolders(stack: StackArtifact): Promise<Map<string, string>> {
  const manifestFiles = (stack.artifact.dependencies ?? [])
    .map((id) => stack.artifacts[id])
    .filter((artifact) => artifact?.type === 'cdk:asset-manifest' && artifact.properties?.file)
    .map((artifact) => artifact!.properties!.file!);
  if (manifestFiles.length === 0) manifestFiles.push(`${stack.artifactId}.assets.json`);
  const byObjectKey = new Map<string, string>();
  for (const file of manifestFiles) {
    const manifest = await readJson<AssetManifest>(path.join(stack.assemblyDir, file));
    for (const asset of Object.values(manifest.files ?? {})) {
      const sourcePath = asset.source?.path;
      if (!sourcePath) continue;
      for (const destination of Object.values(asset.destinations ?? {})) {
        if (destination.objectKey)
          byObjectKey.set(destination.objectKey, path.resolve(stack.assemblyDir, sourcePath));
      }
    }
  }
  return byObjectKey;
}
