// The template's archives: which events each one keeps, and what tools and the API see of them.
import type { LocalLogger, ResolvedStack } from '../model.ts';
import { ArchiveLog } from './archive-log.ts';
import { type CompiledPattern, compilePattern, matchesPattern } from './pattern.ts';
import type { Registry, ResourceRef } from './registry.ts';
import type { ArchiveInfo, BusInfo, EventEnvelope } from './types.ts';
import { optionalString } from './values.ts';

/** An archive as the bus keeps it, with its compiled pattern and its log. */
export interface Archive {
  name: string;
  arn: string;
  sourceArn: string;
  description?: string;
  eventPattern?: string;
  pattern?: CompiledPattern;
  retentionDays: number;
  creationTime: Date;
  log: ArchiveLog;
}

export interface ArchivesOptions {
  stack: ResolvedStack;
  registry: Registry;
  /** Folder of the archives' JSON-lines files. */
  stateDir: string;
  log: LocalLogger;
  now: () => Date;
}

/** The archives of one resolved stack, with their stored events. */
export class Archives {
  private readonly archivesByName = new Map<string, Archive>();

  constructor(private readonly options: ArchivesOptions) {
    for (const resource of options.stack.resources.values()) {
      if (resource.type === 'AWS::Events::Archive') {
        const archive = this.archiveFrom(resource.properties, resource);
        this.archivesByName.set(archive.name, archive);
      }
    }
  }

  private archiveFrom(properties: Record<string, unknown>, resource: ResourceRef): Archive {
    const { registry } = this.options;
    const name = optionalString(properties.ArchiveName) ?? resource.physicalName;
    const sourceArn = optionalString(properties.SourceArn) ?? registry.busArn('default');
    const archive: Archive = {
      name,
      arn:
        resource.attributes.Arn ?? `arn:aws:events:${registry.region}:${registry.accountId}:archive/${name}`,
      sourceArn,
      retentionDays: typeof properties.RetentionDays === 'number' ? properties.RetentionDays : 0,
      creationTime: this.options.now(),
      log: new ArchiveLog(this.options.stateDir, name, this.options.log),
    };
    const description = optionalString(properties.Description);
    if (description !== undefined) archive.description = description;
    if (properties.EventPattern !== undefined) {
      try {
        archive.pattern = compilePattern(properties.EventPattern);
      } catch (error) {
        throw new Error(`Archive ${resource.logicalId}: ${(error as Error).message}`);
      }
      archive.eventPattern = JSON.stringify(archive.pattern.source);
    }
    return archive;
  }

  /** Stores an event put on a bus in every archive of that bus whose pattern it matches. */
  archive(event: EventEnvelope, bus: BusInfo): void {
    // Replayed events are not archived again.
    if (event['replay-name'] !== undefined) return;
    for (const archive of this.archivesByName.values()) {
      if (archive.sourceArn !== bus.arn) continue;
      if (archive.pattern && !matchesPattern(archive.pattern, event)) continue;
      try {
        archive.log.append(event, this.options.now());
      } catch (error) {
        this.options.log.error('eventbridge: could not archive an event', {
          archive: archive.name,
          eventId: event.id,
          error: String(error),
        });
      }
    }
  }

  /** Every archive, with its current size. */
  infos(): ArchiveInfo[] {
    return [...this.archivesByName.values()].map(({ pattern: _pattern, log, ...info }) => ({
      ...info,
      eventCount: log.eventCount,
      sizeBytes: log.size,
    }));
  }

  /** An archive by ARN. */
  findByArn(arn: string): Archive | undefined {
    return [...this.archivesByName.values()].find((archive) => archive.arn === arn);
  }
}
