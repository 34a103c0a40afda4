import { describe, expect, it } from 'vitest';
import { compileRoute, selectRoute } from './routes.ts';

const routes = [
  '$default',
  'ANY /{proxy+}',
  'GET /v1/items/{id}',
  'GET /v1/items/special',
  'ANY /v1/items/{id}',
  'GET /v1/{proxy+}',
  'POST /drones/{droneId}/telemetry',
].map((key) => compileRoute(key, key));

const pick = (method: string, path: string) => selectRoute(routes, method, path);

describe('selectRoute', () => {
  it('prefers an exact path over a path variable', () => {
    const match = pick('GET', '/v1/items/special');

    expect(match?.route.routeKey).toBe('GET /v1/items/special');
  });

  it('prefers a path variable over a greedy variable and decodes its value', () => {
    const match = pick('GET', '/v1/items/a%20b');

    expect(match).toMatchObject({ route: { routeKey: 'GET /v1/items/{id}' }, pathParameters: { id: 'a b' } });
  });

  it('prefers the route of the request method over ANY', () => {
    const match = pick('DELETE', '/v1/items/42');

    expect(match?.route.routeKey).toBe('ANY /v1/items/{id}');
  });

  it('lets a greedy variable take every remaining segment', () => {
    const match = pick('GET', '/v1/a/b/c');

    expect(match).toMatchObject({
      route: { routeKey: 'GET /v1/{proxy+}' },
      pathParameters: { proxy: 'a/b/c' },
    });
  });

  it('falls back to ANY /{proxy+} before $default', () => {
    const match = pick('PUT', '/other');

    expect(match?.route.routeKey).toBe('ANY /{proxy+}');
  });

  it('uses $default when no route matches', () => {
    const match = selectRoute([compileRoute('$default', 'd'), compileRoute('GET /a', 'a')], 'GET', '/b');

    expect(match?.route.routeKey).toBe('$default');
  });

  it('finds nothing when no route matches and there is no $default', () => {
    const match = selectRoute([compileRoute('GET /a', 'a')], 'POST', '/a');

    expect(match).toBeUndefined();
  });

  it('matches variables in the middle of a path', () => {
    const match = pick('POST', '/drones/d-7/telemetry');

    expect(match?.pathParameters).toEqual({ droneId: 'd-7' });
  });
});
