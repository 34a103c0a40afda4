// One list of public routes: the OpenAPI document the API serves (functions/openapi/document.ts), the
// public HTTP API's routes in the synthesized dev template, and the route table of the README must name
// the same routes, each with the same answer to "does it take a bearer token?". Bundling is skipped:
// the template is the same.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../functions/openapi/document.ts';
import { PROJECT_ROOT } from './constructs/service-function.ts';
import { createApp } from './stack.ts';
import type { Resource } from './test-support/template.ts';

/** A route as `METHOD /path`, and whether it takes a token. */
type Routes = Map<string, { token: boolean }>;

/** The heading the README's route table sits under. */
const README_HEADING = '## The public API';
const README_ROUTE = /^`(GET|POST|PUT|PATCH|DELETE) (\/\S*)`$/;

function openApiRoutes(): Routes {
  const document = buildOpenApiDocument();
  const routes: Routes = new Map();
  for (const [routePath, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const { security } = operation as { security?: unknown[] };
      // An operation without its own `security` takes the document's: the bearer token.
      routes.set(`${method.toUpperCase()} ${routePath}`, { token: security?.length !== 0 });
    }
  }
  return routes;
}

function templateRoutes(): Routes {
  const { stack } = createApp({ context: { stage: 'dev' }, skipBundling: true });
  const resources = (Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources;
  const publicApiId = stack.getLogicalId(stack.publicApi.api.node.defaultChild as CfnElement);
  const routes: Routes = new Map();
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::ApiGatewayV2::Route') continue;
    if ((resource.Properties.ApiId as { Ref?: string }).Ref !== publicApiId) continue;
    routes.set(String(resource.Properties.RouteKey), {
      token: resource.Properties.AuthorizationType === 'JWT',
    });
  }
  return routes;
}

/** The cells of a markdown table row, without the outer pipes. */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

/** The first table under the README's public API heading: `| Route | Token | … |`, one route a row. */
function readmeRoutes(): Routes {
  const lines = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8').split('\n');
  const heading = lines.findIndex((line) => line.trim() === README_HEADING);
  if (heading < 0) throw new Error(`README.md has no "${README_HEADING}" heading`);
  const start = lines.findIndex((line, index) => index > heading && line.trimStart().startsWith('|'));
  if (start < 0) throw new Error(`README.md has no table under "${README_HEADING}"`);
  const end = lines.findIndex((line, index) => index > start && !line.trimStart().startsWith('|'));
  const table = lines.slice(start, end < 0 ? undefined : end);
  expect(cells(table[0] ?? '').slice(0, 2), 'README route table header').toEqual(['Route', 'Token']);
  const routes: Routes = new Map();
  for (const row of table.slice(2)) {
    const [route = '', token = ''] = cells(row);
    const match = README_ROUTE.exec(route);
    if (!match) throw new Error(`README route table: "${route}" is not \`METHOD /path\``);
    if (token !== 'yes' && token !== 'no') throw new Error(`README route table: ${route} token "${token}"`);
    const key = `${match[1]} ${match[2]}`;
    if (routes.has(key)) throw new Error(`README route table: ${key} listed twice`);
    routes.set(key, { token: token === 'yes' });
  }
  return routes;
}

const sorted = (routes: Routes) =>
  [...routes].map(([route, { token }]) => `${route} ${token ? 'token' : 'no token'}`).sort();

let openApi: Routes;
let template: Routes;
let readme: Routes;

beforeAll(() => {
  openApi = openApiRoutes();
  template = templateRoutes();
  readme = readmeRoutes();
});

describe('the public routes', () => {
  it('are found in each of the three places', () => {
    expect(openApi.size).toBeGreaterThan(0);
    expect(template.size).toBe(openApi.size);
    expect(readme.size).toBe(openApi.size);
  });

  it('are the same routes in the OpenAPI document and the synthesized template', () => {
    expect([...template.keys()].sort()).toEqual([...openApi.keys()].sort());
  });

  it('are the same routes in the README route table and the OpenAPI document', () => {
    expect([...readme.keys()].sort()).toEqual([...openApi.keys()].sort());
  });

  it('take a bearer token in all three exactly where the template puts the JWT authorizer', () => {
    expect(sorted(openApi)).toEqual(sorted(template));
    expect(sorted(readme)).toEqual(sorted(template));
  });
});
