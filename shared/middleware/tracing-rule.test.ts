// shared/observability.ts decides whether to load the tracer by the rule the Powertools tracer
// applies itself: checked here against the tracer, for the variables that rule reads.
import { Tracer } from '@aws-lambda-powertools/tracer';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('tracingEnabled', () => {
  const LAMBDA = 'AWS_Lambda_nodejs24.x';
  it.each([
    [{ AWS_EXECUTION_ENV: LAMBDA }, true],
    [{ AWS_EXECUTION_ENV: LAMBDA, POWERTOOLS_TRACE_ENABLED: 'true' }, true],
    [{ AWS_EXECUTION_ENV: LAMBDA, POWERTOOLS_TRACE_ENABLED: 'false' }, false],
    [{ AWS_EXECUTION_ENV: LAMBDA, POWERTOOLS_TRACE_ENABLED: 'FALSE' }, false],
    [{ POWERTOOLS_TRACE_ENABLED: 'true' }, false],
    [{ AWS_EXECUTION_ENV: 'AWS_Lambda_amplify-mock' }, false],
    [{ AWS_EXECUTION_ENV: LAMBDA, AWS_SAM_LOCAL: 'true' }, false],
  ])('decides as the Powertools tracer itself does: %o', async (env, expected) => {
    for (const name of ['AWS_EXECUTION_ENV', 'POWERTOOLS_TRACE_ENABLED', 'AWS_SAM_LOCAL'] as const) {
      vi.stubEnv(name, env[name as keyof typeof env]);
    }
    const { tracingEnabled } = await import('../observability.ts');

    expect(tracingEnabled()).toBe(expected);
    // Without patching http and https for the rest of the file, as a tracer that captures requests would.
    expect(new Tracer({ captureHTTPsRequests: false }).isTracingEnabled()).toBe(expected);
  });
});
