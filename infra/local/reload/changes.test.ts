import { describe, expect, it } from 'vitest';
import { classifyChange } from './changes.ts';

// Which changed files hot reload rebundles, which need a restart, which it leaves alone.

const folders = { reload: ['functions', 'shared', 'events'], restart: ['infra'] };

describe('classifyChange', () => {
  it.each([
    ['functions/openapi/get-openapi.ts', 'reload'],
    ['shared/http.ts', 'reload'],
    ['events/catalog/schemas.json', 'reload'],
    ['infra/stack.ts', 'restart'],
    ['infra/local/lambda/host.ts', 'restart'],
    ['functions/openapi/document.test.ts', 'ignore'],
    ['shared/clients/dynamodb.int.test.ts', 'ignore'],
    ['infra/local/lambda/test-fixtures/echo/index.js', 'ignore'],
    ['functions/openapi/.get-openapi.ts.swp', 'ignore'],
    ['functions/openapi/get-openapi.ts~', 'ignore'],
    ['functions/README.md', 'ignore'],
    ['docs/architecture.ts', 'ignore'],
    ['', 'ignore'],
  ])('%s: %s', (file, kind) => {
    expect(classifyChange(file, folders)).toBe(kind);
  });

  it('takes the platform separator as well', () => {
    expect(classifyChange('functions\\drone\\assign-drone.ts', folders)).toBe('reload');
  });
});
