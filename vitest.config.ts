import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          // Set before each test file loads, so Powertools and the AWS SDK read them at import time.
          // A file that needs a different value (e.g. a log level it asserts on) overrides it in vi.hoisted.
          env: {
            POWERTOOLS_METRICS_DISABLED: 'true',
            POWERTOOLS_TRACE_ENABLED: 'false',
            POWERTOOLS_DEV: 'false',
            POWERTOOLS_SERVICE_NAME: 'commerce-unit',
            POWERTOOLS_LOG_LEVEL: 'SILENT',
            AWS_REGION: 'us-east-1',
          },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
