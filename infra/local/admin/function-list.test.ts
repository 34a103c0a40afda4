import { describe, expect, it } from 'vitest';
import type { FunctionFault } from '../lambda/host.ts';
import { faultsOf, functionListRoutes } from './function-list.ts';

const FUNCTIONS = [
  { logicalId: 'OrdersPlaceOrder1A2B3C4D', name: 'stack-OrdersPlaceOrder1A2B3C4D-x1' },
  { logicalId: 'BillingCharge9F8E7D6C', name: 'stack-BillingCharge9F8E7D6C-x2' },
];

describe('faultsOf', () => {
  it('matches a fault by logical id or by a part of the name, as the Lambda host does', () => {
    const faults: FunctionFault[] = [
      { function: 'OrdersPlaceOrder1A2B3C4D', errorRate: 1 },
      { function: 'Charge', latencyMs: 100 },
      { function: 'Nothing', errorRate: 0.5 },
    ];

    expect(faultsOf(FUNCTIONS[0]!, faults)).toEqual([{ function: 'OrdersPlaceOrder1A2B3C4D', errorRate: 1 }]);
    expect(faultsOf(FUNCTIONS[1]!, faults)).toEqual([{ function: 'Charge', latencyMs: 100 }]);
  });
});

describe('functionListRoutes', () => {
  it('lists every function by logical id with the faults that hit it', async () => {
    const routes = functionListRoutes({
      functions: () => FUNCTIONS,
      faults: () => [{ function: 'Charge', errorRate: 1 }],
    });

    const answer = await routes.route({
      method: 'GET',
      path: '/functions',
      query: new URLSearchParams(),
      body: undefined,
    });

    expect(answer).toEqual({
      status: 200,
      body: {
        functions: [
          {
            logicalId: 'BillingCharge9F8E7D6C',
            name: 'stack-BillingCharge9F8E7D6C-x2',
            faults: [{ function: 'Charge', errorRate: 1 }],
          },
          { logicalId: 'OrdersPlaceOrder1A2B3C4D', name: 'stack-OrdersPlaceOrder1A2B3C4D-x1', faults: [] },
        ],
      },
    });
  });

  it('leaves other requests to other routes', async () => {
    const routes = functionListRoutes({ functions: () => FUNCTIONS, faults: () => [] });

    const answer = await routes.route({
      method: 'POST',
      path: '/functions',
      query: new URLSearchParams(),
      body: {},
    });

    expect(answer).toBeUndefined();
  });
});
