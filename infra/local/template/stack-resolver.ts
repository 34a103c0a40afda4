// Resolves a template's resources to this machine's names, ARNs and URLs, refusing what it cannot honour.
import { createHash } from 'node:crypto';
import type { ResolvedResource } from '../model.ts';
import { refuseUnsupportedDestinations } from './destinations.ts';
import type { Identity } from './identities.ts';
import {
  describeLocation,
  evaluateCondition,
  type Location,
  NO_VALUE,
  type ResolveContext,
  resolveValue,
  TemplateError,
} from './intrinsics.ts';
import { IGNORED_RESOURCE_TYPES, RESOURCE_TYPES } from './resource-types.ts';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';

export interface ResolveOptions {
  stackName: string;
  /** Base URL of the local AWS edge endpoint, e.g. `http://127.0.0.1:4566`. */
  edgeUrl: string;
  /** The first HTTP API gets this port, the next one the following port, in template order. */
  apiBasePort: number;
  /** Values for parameters, overriding their `Default`. */
  parameters?: Record<string, string>;
}

/** A CloudFormation template, as far as the local cloud reads it. */
export interface Template {
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Resources?: Record<string, TemplateResource>;
  Transform?: unknown;
}

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
}

const AVAILABILITY_ZONES = ['a', 'b', 'c'];

class StackResolver implements ResolveContext {
  private readonly resources: Record<string, TemplateResource>;
  private readonly conditionCache = new Map<string, boolean>();
  private readonly conditionsInProgress = new Set<string>();
  private readonly identities = new Map<string, Identity>();
  private readonly identitiesInProgress = new Set<string>();
  private readonly apiPorts = new Map<string, number>();
  private readonly stackId: string;

  constructor(
    private readonly template: Template,
    private readonly options: ResolveOptions,
  ) {
    if (template.Transform !== undefined) {
      throw new TemplateError('Template transforms (Transform) are not supported by the local cloud');
    }
    this.resources = template.Resources ?? {};
    const digest = createHash('sha256').update(options.stackName).digest('hex');
    this.stackId = `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stack/${options.stackName}/${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
    let port = options.apiBasePort;
    for (const [logicalId, resource] of Object.entries(this.resources)) {
      if (resource.Type === 'AWS::ApiGatewayV2::Api' && this.isIncluded(logicalId)) {
        this.apiPorts.set(logicalId, port++);
      }
    }
  }

  isIncluded(logicalId: string): boolean {
    const resource = this.resources[logicalId];
    if (!resource || IGNORED_RESOURCE_TYPES.has(resource.Type)) return false;
    if (resource.Condition === undefined) return true;
    return this.condition(resource.Condition, { owner: `resource ${logicalId}`, path: ['Condition'] });
  }

  ref(name: string, location: Location): unknown {
    switch (name) {
      case 'AWS::Region':
        return LOCAL_REGION;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT_ID;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.options.stackName;
      case 'AWS::StackId':
        return this.stackId;
      case 'AWS::NotificationARNs':
        return [];
    }
    const parameter = this.template.Parameters?.[name];
    if (parameter) return this.parameterValue(name, parameter, location);
    return this.identity(name, location).ref;
  }

  private parameterValue(
    name: string,
    parameter: { Type?: string; Default?: unknown },
    location: Location,
  ): unknown {
    const value = this.options.parameters?.[name] ?? parameter.Default;
    if (value === undefined) {
      throw new TemplateError(
        `Parameter ${name} has no Default and no local value (${describeLocation(location)})`,
      );
    }
    // An SSM-typed parameter (CDK's BootstrapVersion) resolves to its Default: there is no
    // parameter store here, and only the ignored Rules section reads it.
    const type = parameter.Type ?? 'String';
    if (type === 'CommaDelimitedList' || type.startsWith('List<')) {
      return Array.isArray(value) ? value.map(String) : String(value).split(',');
    }
    return String(value);
  }

  getAtt(logicalId: string, attribute: string, location: Location): string {
    const identity = this.identity(logicalId, location);
    const value = identity.attributes[attribute];
    if (value === undefined) {
      const type = this.resources[logicalId]?.Type;
      throw new TemplateError(
        `Fn::GetAtt ${logicalId}.${attribute}: the local cloud offers no attribute ${attribute} for ${type} (${describeLocation(location)})`,
      );
    }
    return value;
  }

  condition(name: string, location: Location): boolean {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    const expression = this.template.Conditions?.[name];
    if (expression === undefined) {
      throw new TemplateError(`Unknown condition ${name} (${describeLocation(location)})`);
    }
    if (this.conditionsInProgress.has(name)) {
      throw new TemplateError(`Condition ${name} refers to itself (${describeLocation(location)})`);
    }
    this.conditionsInProgress.add(name);
    const value = evaluateCondition(expression, this, { owner: `condition ${name}`, path: [] });
    this.conditionsInProgress.delete(name);
    this.conditionCache.set(name, value);
    return value;
  }

  findInMap(mapName: string, topKey: string, secondKey: string, location: Location): unknown {
    const value = this.template.Mappings?.[mapName]?.[topKey]?.[secondKey];
    if (value === undefined) {
      throw new TemplateError(
        `Fn::FindInMap found no ${mapName}.${topKey}.${secondKey} (${describeLocation(location)})`,
      );
    }
    return value;
  }

  availabilityZones(region: string): string[] {
    return AVAILABILITY_ZONES.map((zone) => `${region || LOCAL_REGION}${zone}`);
  }

  /** Name, Ref and attributes of a resource; resolves only the properties they depend on. */
  identity(logicalId: string, location: Location): Identity {
    const cached = this.identities.get(logicalId);
    if (cached) return cached;
    const resource = this.resources[logicalId];
    if (!resource) {
      throw new TemplateError(
        `Reference to unknown resource or parameter ${logicalId} (${describeLocation(location)})`,
      );
    }
    if (!this.isIncluded(logicalId)) {
      throw new TemplateError(
        `Reference to resource ${logicalId}, which its condition leaves out (${describeLocation(location)})`,
      );
    }
    const spec = this.specOf(logicalId, resource);
    if (this.identitiesInProgress.has(logicalId)) {
      throw new TemplateError(`Circular reference through the name of resource ${logicalId}`);
    }
    this.identitiesInProgress.add(logicalId);
    const identity = spec.identity({
      logicalId,
      stackName: this.options.stackName,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      edgeUrl: this.options.edgeUrl,
      prop: (name) => {
        const value = resolveValue(resource.Properties?.[name], this, {
          owner: `resource ${logicalId}`,
          path: [name],
        });
        return value === NO_VALUE ? undefined : value;
      },
      apiPort: () => this.apiPorts.get(logicalId) ?? this.options.apiBasePort,
    });
    this.identitiesInProgress.delete(logicalId);
    this.identities.set(logicalId, identity);
    return identity;
  }

  specOf(logicalId: string, resource: TemplateResource) {
    const spec = RESOURCE_TYPES[resource.Type];
    if (!spec) throw new TemplateError(`Unsupported resource type ${resource.Type} (resource ${logicalId})`);
    return spec;
  }

  resolveAll(): Map<string, ResolvedResource> {
    const out = new Map<string, ResolvedResource>();
    for (const [logicalId, resource] of Object.entries(this.resources)) {
      if (!this.isIncluded(logicalId)) continue;
      const spec = this.specOf(logicalId, resource);
      const properties = resource.Properties ?? {};
      if (spec.knownProperties) {
        for (const name of Object.keys(properties)) {
          if (!spec.knownProperties.includes(name)) {
            throw new TemplateError(
              `Unsupported property ${name} of ${resource.Type} (resource ${logicalId}): the local cloud does not emulate it`,
            );
          }
        }
      }
      const resolved = resolveValue(properties, this, { owner: `resource ${logicalId}`, path: [] });
      const identity = this.identity(logicalId, { owner: `resource ${logicalId}`, path: [] });
      const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
      out.set(logicalId, {
        logicalId,
        type: resource.Type,
        properties: resolved as Record<string, unknown>,
        physicalName: identity.physicalName,
        ref: identity.ref,
        attributes: identity.attributes,
        dependsOn: dependsOn.filter((id) => this.resources[id] !== undefined && this.isIncluded(id)),
      });
    }
    return out;
  }
}

/** Resolves a template's resources to local names, ARNs and URLs (no files read). */
export function resolveTemplate(template: Template, options: ResolveOptions): Map<string, ResolvedResource> {
  const resources = new StackResolver(template, options).resolveAll();
  refuseUnsupportedDestinations(resources);
  return resources;
}
