// The API dispatch: an operation it does not speak is answered in AWS's error shape.
import { describe, expect, it } from 'vitest';
import { admin, useApiBridges } from './test-support/api.ts';

const setup = useApiBridges();

describe('dispatch', () => {
  it('answers UnknownOperationException for an operation it does not speak', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('PutRule', {}, admin);
    // Assess
    expect(response).toMatchObject({ status: 400, body: { __type: 'UnknownOperationException' } });
  });
});
