import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RESILIENCE } from '../../../domains/payments/adapters/resilient-payment-provider.js';
import { resilienceSettings } from '../../../functions/payments/dependencies.js';

const VARIABLES = [
  'PAYMENT_PROVIDER_TIMEOUT_MS',
  'PAYMENT_BREAKER_ERROR_THRESHOLD_PERCENTAGE',
  'PAYMENT_BREAKER_VOLUME_THRESHOLD',
  'PAYMENT_BREAKER_RESET_TIMEOUT_MS',
  'PAYMENT_BREAKER_ROLLING_WINDOW_MS',
  'PAYMENT_RETRY_ATTEMPTS',
  'PAYMENT_RETRY_BASE_DELAY_MS',
];

afterEach(() => {
  for (const name of VARIABLES) delete process.env[name];
});

describe('resilienceSettings', () => {
  it('defaults to a 2 s timeout, 50 % over at least 3 calls, a 5 s reset and 3 attempts', () => {
    expect(resilienceSettings()).toEqual(DEFAULT_RESILIENCE);
    expect(DEFAULT_RESILIENCE).toMatchObject({
      timeoutMs: 2_000,
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
      resetTimeoutMs: 5_000,
      retryAttempts: 3,
    });
  });

  it('takes every setting from the environment when set', () => {
    VARIABLES.forEach((name, index) => {
      process.env[name] = String(index + 1);
    });

    expect(resilienceSettings()).toEqual({
      timeoutMs: 1,
      errorThresholdPercentage: 2,
      volumeThreshold: 3,
      resetTimeoutMs: 4,
      rollingWindowMs: 5,
      retryAttempts: 6,
      retryBaseDelayMs: 7,
    });
  });

  it('refuses a value that is not a number', () => {
    process.env.PAYMENT_BREAKER_RESET_TIMEOUT_MS = 'soon';

    expect(() => resilienceSettings()).toThrow(/PAYMENT_BREAKER_RESET_TIMEOUT_MS/);
  });
});
