type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'greedy'; name: string };

/** A route key compiled for matching: `$default`, or a method (or `ANY`) and a path template. */
export interface CompiledRoute<T> {
  routeKey: string;
  method: string;
  /** `undefined` for `$default`. */
  segments: Segment[] | undefined;
  target: T;
}

export interface RouteMatch<T> {
  route: CompiledRoute<T>;
  pathParameters: Record<string, string>;
}

function splitPath(path: string): string[] {
  if (path === '' || path === '/') return [];
  return path.split('/').slice(path.startsWith('/') ? 1 : 0);
}

/** Parses a route key such as `GET /v1/items/{id}`, `ANY /{proxy+}` or `$default`. */
export function compileRoute<T>(routeKey: string, target: T): CompiledRoute<T> {
  if (routeKey === '$default') return { routeKey, method: '*', segments: undefined, target };
  const space = routeKey.indexOf(' ');
  if (space <= 0) throw new Error(`Unsupported route key "${routeKey}"`);
  const method = routeKey.slice(0, space).toUpperCase();
  const segments = splitPath(routeKey.slice(space + 1).trim()).map((part, index, all): Segment => {
    const param = /^\{([^}]+)\}$/.exec(part);
    if (!param?.[1]) return { kind: 'literal', value: part };
    if (param[1].endsWith('+')) {
      if (index !== all.length - 1) throw new Error(`Greedy path variable must be last in "${routeKey}"`);
      return { kind: 'greedy', name: param[1].slice(0, -1) };
    }
    return { kind: 'param', name: param[1] };
  });
  return { routeKey, method, segments, target };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchSegments(
  segments: Segment[],
  parts: string[],
): { score: number[]; params: Record<string, string> } | undefined {
  const score: number[] = [];
  const params: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    if (segment.kind === 'greedy') {
      const rest = parts.slice(index);
      if (rest.length === 0 || rest.every((part) => part === '')) return undefined;
      params[segment.name] = decode(rest.join('/'));
      score.push(1);
      return { score, params };
    }
    const part = parts[index];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (decode(part) !== segment.value) return undefined;
      score.push(3);
    } else {
      if (part === '') return undefined;
      params[segment.name] = decode(part);
      score.push(2);
    }
  }
  return parts.length === segments.length ? { score, params } : undefined;
}

function compareScores(a: number[], b: number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * Picks the route API Gateway would: the most specific path (literal segments beat `{param}`,
 * which beat `{proxy+}`), a route's own method before `ANY`, and `$default` only when nothing else matches.
 */
export function selectRoute<T>(
  routes: readonly CompiledRoute<T>[],
  method: string,
  rawPath: string,
): RouteMatch<T> | undefined {
  const parts = splitPath(rawPath);
  const upper = method.toUpperCase();
  let best: { match: RouteMatch<T>; score: number[]; exactMethod: boolean } | undefined;
  let fallback: CompiledRoute<T> | undefined;
  for (const route of routes) {
    if (route.segments === undefined) {
      fallback = route;
      continue;
    }
    if (route.method !== upper && route.method !== 'ANY') continue;
    const matched = matchSegments(route.segments, parts);
    if (!matched) continue;
    const exactMethod = route.method === upper;
    const order = best ? compareScores(matched.score, best.score) : 1;
    if (order > 0 || (order === 0 && exactMethod && !best?.exactMethod)) {
      best = { match: { route, pathParameters: matched.params }, score: matched.score, exactMethod };
    }
  }
  if (best) return best.match;
  return fallback && { route: fallback, pathParameters: {} };
}
