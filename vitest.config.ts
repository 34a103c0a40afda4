import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Four projects in one run: unit (fakes for AWS), integration (DynamoDB Local, started once per run)
// and e2e (the whole system in one local cloud started once per run, its files one at a time) side
// by side; then own-cloud (the crash-restart test and the short chaos run, each starting a local
// cloud of its own from the run's one synthesis), once those are done: on 2 cores, three local
// clouds at once starve each other's functions into timeouts.
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
          include: ['{functions,shared,events,infra}/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{functions,shared,events}/**/*.int.test.ts', 'test/integration/**/*.int.test.ts'],
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
        // Each file starts a local cloud of its own, beside the e2e project's.
        test: {
          name: 'own-cloud',
          include: ['test/chaos/**/*.test.ts', 'test/e2e/crash-restart.test.ts'],
          globalSetup: ['test/support/synthesis.global.ts'],
          testTimeout: 30_000,
          hookTimeout: 330_000,
          // After the other projects, and one file at a time.
          sequence: { groupOrder: 1 },
          fileParallelism: false,
        },
      },
    ],
  },
});
