// The payments composition root: adapters are built once per execution environment, on first use.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDbPaymentRepository } from '../../domains/payments/adapters/dynamodb-payment-repository.js';
import { HttpPaymentProvider } from '../../domains/payments/adapters/http-payment-provider.js';
import { providerApiKey } from '../../domains/payments/adapters/provider-api-key.js';
import {
  type CircuitObserver,
  DEFAULT_RESILIENCE,
  type ResilienceSettings,
  ResilientPaymentProvider,
} from '../../domains/payments/adapters/resilient-payment-provider.js';
import type { PaymentPorts } from '../../domains/payments/ports.js';
import { dynamoDb, kms } from '../../shared/aws/clients.js';
import { systemClock as clock } from '../../shared/clock.js';
import { requiredEnv } from '../../shared/config.js';
import { KmsPaymentTokenCipher } from '../../shared/crypto/kms-payment-token.js';
import { onFirstUse } from '../../shared/lazy.js';
import { logger, metrics } from '../../shared/observability.js';

/** The time every use case of this domain reads. */
export { clock };

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`Environment variable ${name} must be a number ≥ 0`);
  return value;
}

/** Circuit breaker and retry settings; every one can be tuned per stage through the environment. */
export function resilienceSettings(): ResilienceSettings {
  const d = DEFAULT_RESILIENCE;
  return {
    timeoutMs: numberFromEnv('PAYMENT_PROVIDER_TIMEOUT_MS', d.timeoutMs),
    errorThresholdPercentage: numberFromEnv(
      'PAYMENT_BREAKER_ERROR_THRESHOLD_PERCENTAGE',
      d.errorThresholdPercentage,
    ),
    volumeThreshold: numberFromEnv('PAYMENT_BREAKER_VOLUME_THRESHOLD', d.volumeThreshold),
    resetTimeoutMs: numberFromEnv('PAYMENT_BREAKER_RESET_TIMEOUT_MS', d.resetTimeoutMs),
    rollingWindowMs: numberFromEnv('PAYMENT_BREAKER_ROLLING_WINDOW_MS', d.rollingWindowMs),
    retryAttempts: Math.max(1, numberFromEnv('PAYMENT_RETRY_ATTEMPTS', d.retryAttempts)),
    retryBaseDelayMs: numberFromEnv('PAYMENT_RETRY_BASE_DELAY_MS', d.retryBaseDelayMs),
  };
}

/** Circuit transitions are logged and counted (metric PaymentProviderCircuitStateChange, dimension state). */
const circuitObserver: CircuitObserver = {
  onStateChange(state, stats) {
    const message = `Payment provider circuit ${state}`;
    if (state === 'closed') logger.info(message, { circuitState: state, ...stats });
    else logger.warn(message, { circuitState: state, ...stats });
    const metric = metrics.singleMetric();
    metric.addDimension('state', state);
    metric.addMetric('PaymentProviderCircuitStateChange', MetricUnit.Count, 1);
  },
};

export const paymentRepository = /* @__PURE__ */ onFirstUse(
  (): DynamoDbPaymentRepository =>
    new DynamoDbPaymentRepository(
      dynamoDb(),
      requiredEnv('PAYMENTS_TABLE_NAME'),
      requiredEnv('EVENT_SOURCE'),
    ),
);

export const paymentProvider = /* @__PURE__ */ onFirstUse((): ResilientPaymentProvider => {
  const settings = resilienceSettings();
  const http = new HttpPaymentProvider({
    baseUrl: requiredEnv('PAYMENT_PROVIDER_URL'),
    apiKey: providerApiKey({
      fromEnvironment: process.env.PAYMENT_PROVIDER_API_KEY,
      secretName: () => requiredEnv('PAYMENT_PROVIDER_SECRET_NAME'),
    }),
    timeoutMs: settings.timeoutMs,
  });
  return new ResilientPaymentProvider(http, settings, circuitObserver);
});

/** Opens the card tokens orders sealed (PAYMENT_TOKEN_KEY_ID): only payments' roles may decrypt with the key. */
export const paymentTokenOpener = /* @__PURE__ */ onFirstUse(
  (): KmsPaymentTokenCipher => new KmsPaymentTokenCipher(kms(), requiredEnv('PAYMENT_TOKEN_KEY_ID')),
);

export function paymentPorts(): PaymentPorts {
  return { payments: paymentRepository(), provider: paymentProvider(), tokens: paymentTokenOpener(), clock };
}
