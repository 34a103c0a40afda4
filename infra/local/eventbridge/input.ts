// What a rule's target receives: the event, its `Input`, what `InputPath` selects, or a transformer's result.

export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

export interface TargetInputConfig {
  Input?: string;
  InputPath?: string;
  InputTransformer?: InputTransformer;
}

export interface InputContext {
  ruleArn: string;
  ruleName: string;
  /** ISO 8601 time at which EventBridge received the event. */
  ingestionTime: string;
}

const MISSING = Symbol('missing');

/** Evaluates the JSONPath subset EventBridge supports ($, .name, ['name'], [index], * wildcards). */
export function evaluateJsonPath(path: string, document: unknown): unknown {
  const result = walk(parsePath(path), document);
  return result === MISSING ? undefined : result;
}

type Segment = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

function parsePath(path: string): Segment[] {
  const text = path.trim();
  if (!text.startsWith('$')) throw new Error(`JSON path must start with $: ${path}`);
  const segments: Segment[] = [];
  let i = 1;
  while (i < text.length) {
    const char = text[i];
    if (char === '.') {
      if (text[i + 1] === '*') {
        segments.push({ kind: 'wildcard' });
        i += 2;
        continue;
      }
      const match = /^[^.[\]]+/.exec(text.slice(i + 1));
      if (!match) throw new Error(`Invalid JSON path: ${path}`);
      segments.push({ kind: 'key', key: match[0] });
      i += 1 + match[0].length;
    } else if (char === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) throw new Error(`Invalid JSON path: ${path}`);
      const inner = text.slice(i + 1, end).trim();
      if (inner === '*') segments.push({ kind: 'wildcard' });
      else if (/^\d+$/.test(inner)) segments.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) segments.push({ kind: 'key', key: inner.slice(1, -1) });
      else throw new Error(`Invalid JSON path: ${path}`);
      i = end + 1;
    } else {
      throw new Error(`Invalid JSON path: ${path}`);
    }
  }
  return segments;
}

function walk(segments: Segment[], value: unknown): unknown {
  if (segments.length === 0) return value;
  const [segment, ...rest] = segments as [Segment, ...Segment[]];
  if (segment.kind === 'wildcard') {
    const children = Array.isArray(value)
      ? value
      : typeof value === 'object' && value !== null
        ? Object.values(value)
        : [];
    return children.map((child) => walk(rest, child)).filter((child) => child !== MISSING);
  }
  if (segment.kind === 'index') {
    if (!Array.isArray(value) || segment.index >= value.length) return MISSING;
    return walk(rest, value[segment.index]);
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !Object.hasOwn(value, segment.key)
  ) {
    return MISSING;
  }
  return walk(rest, (value as Record<string, unknown>)[segment.key]);
}

/** The payload text a target receives for an event, given the target's input settings. */
export function renderTargetInput(
  config: TargetInputConfig,
  event: Record<string, unknown>,
  context: InputContext,
) {
  if (config.Input !== undefined) return config.Input;
  if (config.InputPath !== undefined) {
    const value = evaluateJsonPath(config.InputPath, event);
    return JSON.stringify(value === undefined ? null : value);
  }
  if (config.InputTransformer !== undefined) return renderTemplate(config.InputTransformer, event, context);
  return JSON.stringify(event);
}

function reservedVariables(event: Record<string, unknown>, context: InputContext): Map<string, unknown> {
  const { detail: _detail, ...withoutDetail } = event;
  return new Map<string, unknown>([
    ['aws.events.rule-arn', context.ruleArn],
    ['aws.events.rule-name', context.ruleName],
    ['aws.events.event.ingestion-time', context.ingestionTime],
    // As documented: `aws.events.event` is the event without its detail, `aws.events.event.json` all of it.
    ['aws.events.event', withoutDetail],
    ['aws.events.event.json', event],
  ]);
}

/**
 * Fills an InputTemplate. In a JSON template (one starting with `{`, `[` or `"`), a placeholder outside
 * quotes becomes the JSON value (a string gets its quotes) and one inside quotes becomes the bare text;
 * in a plain-text template every value is inserted as text. A path that selects nothing gives `null`
 * (outside quotes) or nothing (inside quotes).
 */
export function renderTemplate(
  transformer: InputTransformer,
  event: Record<string, unknown>,
  context: InputContext,
) {
  const variables = reservedVariables(event, context);
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) {
    variables.set(name, evaluateJsonPath(path, event));
  }
  const template = transformer.InputTemplate;
  const jsonTemplate = /^\s*[{["]/.test(template);
  let output = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const char = template[i] as string;
    if (char === '\\' && inString) {
      output += char + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (char === '"') {
      inString = !inString;
      output += char;
      continue;
    }
    if (char === '<') {
      const end = template.indexOf('>', i);
      const name = end > i ? template.slice(i + 1, end) : '';
      if (/^[\w.-]+$/.test(name) && variables.has(name)) {
        output += renderValue(variables.get(name), jsonTemplate && !inString, inString);
        i = end;
        continue;
      }
    }
    output += char;
  }
  return output;
}

function renderValue(value: unknown, asJson: boolean, inString: boolean): string {
  if (asJson) return JSON.stringify(value === undefined ? null : value);
  if (value === undefined || value === null) return inString ? '' : 'null';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // Inside a JSON string the text is escaped so that the result stays valid JSON.
  return inString ? JSON.stringify(text).slice(1, -1) : text;
}
