import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// The projects (`npm test` runs unit, unit-infra and integration first, then e2e and own-cloud in two
// vitest runs side by side, see scripts/test.ts):
// - unit and unit-infra: fakes for AWS; integration: DynamoDB Local, started once per run;
// - own-cloud: the crash-restart test, which starts and kills a local cloud of its own;
// - e2e: the whole system in one local cloud started once per run, its files one at a time;
// - chaos: the short chaos run, on demand (`npm run test:chaos`).
export default defineConfig({
  test: {
    // Vitest's default is one worker fewer than there are cores: one on a 2-core machine. The unit and
    // integration files wait (child processes, DynamoDB Local, sockets) about as much as they compute,
    // so two workers there take about a third off the wall time for the same CPU time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Handlers read their configuration at module load, as on Lambda; tests get these values.
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      // Lambda runs a newer Node.js than this machine: the SDK's notice about it is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_SERVICE_NAME: 'test',
      POWERTOOLS_METRICS_NAMESPACE: 'DroneDeliveryTest',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      TABLE_NAME: 'test-table',
      EVENT_BUS_NAME: 'test-bus',
      REQUESTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/delivery-requests.fifo',
      INTERNAL_API_URL: 'https://internal.execute-api.us-east-1.amazonaws.com',
      NOTIFICATION_SENDER: 'recording',
      // CDK's CloudFormation validation is a 9 MB WebAssembly rule engine that takes about 6 s of CPU
      // to start in every test process that synthesizes. infra/stack.test.ts turns it back on and
      // holds the dev and prod templates to it; the other infra tests assert on the constructs.
      CDK_VALIDATION: 'false',
    },
    coverage: {
      provider: 'v8',
      include: ['functions/**/*.ts', 'shared/**/*.ts', 'events/**/*.ts', 'infra/local/**/*.{ts,mjs}'],
      exclude: ['**/*.test.ts', '**/test-support/**', '**/test-support.ts', '**/*-test-support.ts'],
      reporter: ['text-summary', 'text'],
      // The application's code, and the local cloud's on its own (docs/architecture.md §6).
      // (The global figure counts every file, the local cloud's included.)
      thresholds: {
        lines: 85,
        '{functions,shared,events}/**': { lines: 90 },
        'infra/local/**': { lines: 85 },
      },
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{functions,shared,events,scripts}/**/*.test.ts', 'test/chaos/invariants.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The CDK app's and the local cloud's own tests. They keep no state in the modules they share
        // (each builds its app, cloud or component afresh), so one module graph per worker serves them
        // all: importing aws-cdk-lib and the SDK once per worker instead of once per file takes about
        // a third off their time. The functions' tests stay isolated: their handlers read
        // configuration and keep circuit breakers at module load, as on Lambda.
        test: {
          name: 'unit-infra',
          include: ['infra/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          isolate: false,
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            '{functions,shared,events}/**/*.int.test.ts',
            'infra/local/**/*.int.test.ts',
            'test/integration/**/*.int.test.ts',
          ],
          globalSetup: ['test/support/dynamodb-local.global.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: ['test/e2e/crash-restart.test.ts'],
          globalSetup: ['test/support/local-cloud.global.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        // The crash-restart test starts (and kills) a local cloud of its own: `npm test` runs it in a
        // vitest run of its own beside the e2e run, so that its waits and theirs overlap.
        test: {
          name: 'own-cloud',
          include: ['test/e2e/crash-restart.test.ts'],
          globalSetup: ['test/support/synthesis.global.ts'],
          testTimeout: 30_000,
          hookTimeout: 330_000,
        },
      },
      {
        // The short chaos run (`npm run test:chaos`; the full one is `npm run chaos`), in a local
        // cloud of its own. It is not part of `npm test`: its outage alone lasts 35 s.
        test: {
          name: 'chaos',
          include: ['test/chaos/chaos.test.ts'],
          globalSetup: ['test/support/synthesis.global.ts'],
          testTimeout: 30_000,
          hookTimeout: 330_000,
        },
      },
    ],
  },
});
