import { afterEach, describe, expect, it } from 'vitest';
import { HttpPaymentProvider } from '../../../domains/payments/adapters/http-payment-provider.js';
import {
  type CircuitState,
  type ResilienceSettings,
  ResilientPaymentProvider,
} from '../../../domains/payments/adapters/resilient-payment-provider.js';
import {
  type AuthorizationRequest,
  type AuthorizationResult,
  type PaymentProvider,
  PaymentProviderRejected,
  PaymentProviderUnavailable,
} from '../../../domains/payments/ports.js';
import { startPaymentSandbox } from '../../../scripts/local-cloud/payment-sandbox.mjs';
import { eventually } from '../../support/eventually.js';

const SETTINGS: ResilienceSettings = {
  timeoutMs: 200,
  errorThresholdPercentage: 50,
  volumeThreshold: 3,
  resetTimeoutMs: 150,
  rollingWindowMs: 10_000,
  retryAttempts: 3,
  retryBaseDelayMs: 1,
};

const request: AuthorizationRequest = {
  orderId: 'order-1',
  amount: { amount: 1000, currency: 'EUR' },
  token: 'tok_visa',
  idempotencyKey: 'order-1:authorize',
};

/** An inner provider whose authorize answers from a script, one entry per call (the last one repeats). */
class ScriptedProvider implements PaymentProvider {
  calls = 0;
  constructor(private readonly script: Array<() => Promise<AuthorizationResult>>) {}
  authorize(): Promise<AuthorizationResult> {
    const step = this.script[Math.min(this.calls, this.script.length - 1)];
    this.calls++;
    if (!step) throw new Error('empty script');
    return step();
  }
  capture = async () => ({ captureId: 'cap-1' });
  void = async () => ({ outcome: 'voided' as const });
  refund = async () => ({ refundId: 'ref-1' });
}

const approve = async (): Promise<AuthorizationResult> => ({
  outcome: 'approved',
  authorizationId: 'auth-1',
});
const decline = async (): Promise<AuthorizationResult> => ({ outcome: 'declined', reason: 'card_declined' });
const down = async (): Promise<AuthorizationResult> => {
  throw new PaymentProviderUnavailable('The provider answered 503', 'server-error');
};
const refuse = async (): Promise<AuthorizationResult> => {
  throw new PaymentProviderRejected('The provider refused authorize with 401', 401);
};
const hang = () => new Promise<AuthorizationResult>(() => undefined);

const created: ResilientPaymentProvider[] = [];

function resilient(inner: PaymentProvider, settings: Partial<ResilienceSettings> = {}) {
  const transitions: CircuitState[] = [];
  const waits: number[] = [];
  const provider = new ResilientPaymentProvider(
    inner,
    { ...SETTINGS, ...settings },
    { onStateChange: (state) => transitions.push(state) },
    async (ms) => {
      waits.push(ms);
    },
  );
  created.push(provider);
  return { provider, transitions, waits };
}

afterEach(() => {
  for (const provider of created.splice(0)) provider.shutdown();
});

describe('retries', () => {
  it('never retries a declined card, and declines do not open the circuit', async () => {
    const inner = new ScriptedProvider([decline]);
    const { provider, transitions } = resilient(inner);

    for (let i = 0; i < 5; i++) {
      expect(await provider.authorize(request)).toEqual({ outcome: 'declined', reason: 'card_declined' });
    }

    expect(inner.calls).toBe(5);
    expect(transitions).toEqual([]);
    expect(provider.state).toBe('closed');
  });

  it('retries unavailability with exponential backoff and returns the answer that follows', async () => {
    const inner = new ScriptedProvider([down, down, approve]);
    const { provider, waits } = resilient(inner, { retryBaseDelayMs: 100, volumeThreshold: 10 });

    expect(await provider.authorize(request)).toEqual({ outcome: 'approved', authorizationId: 'auth-1' });

    expect(inner.calls).toBe(3);
    expect(waits).toHaveLength(2);
    // 100 ms then 200 ms, each plus up to as much jitter
    expect(waits[0]).toBeGreaterThanOrEqual(100);
    expect(waits[0]).toBeLessThan(200);
    expect(waits[1]).toBeGreaterThanOrEqual(200);
    expect(waits[1]).toBeLessThan(400);
  });

  it('does not retry a request the provider refuses, nor count it against the circuit', async () => {
    const inner = new ScriptedProvider([refuse]);
    const { provider, transitions } = resilient(inner);

    for (let i = 0; i < 4; i++) {
      await expect(provider.authorize(request)).rejects.toBeInstanceOf(PaymentProviderRejected);
    }

    expect(inner.calls).toBe(4);
    expect(transitions).toEqual([]);
  });

  it('turns a call slower than the timeout into unavailability', async () => {
    const inner = new ScriptedProvider([hang]);
    const { provider } = resilient(inner, { retryAttempts: 1, timeoutMs: 50 });

    await expect(provider.authorize(request)).rejects.toMatchObject({
      name: 'PaymentProviderUnavailable',
      reason: 'timeout',
    });
  });
});

describe('circuit', () => {
  it('opens after repeated failures, then fails fast without calling the provider or retrying', async () => {
    // given a provider that is down
    const inner = new ScriptedProvider([down]);
    const { provider, transitions, waits } = resilient(inner);

    // when one operation exhausts its attempts
    await expect(provider.authorize(request)).rejects.toMatchObject({ reason: 'server-error' });

    // then the circuit opened on the third failure (volume threshold 3, 100 % errors)
    expect(inner.calls).toBe(3);
    expect(transitions).toEqual(['open']);
    expect(provider.state).toBe('open');

    // and the next operation fails at once, unretried, without reaching the provider
    waits.length = 0;
    await expect(provider.authorize(request)).rejects.toMatchObject({
      name: 'PaymentProviderUnavailable',
      reason: 'circuit-open',
    });
    expect(inner.calls).toBe(3);
    expect(waits).toEqual([]);
  });

  it('lets one trial through after the reset timeout and closes when it succeeds', async () => {
    // given an open circuit
    const inner = new ScriptedProvider([down, down, down, approve]);
    const { provider, transitions } = resilient(inner);
    await expect(provider.authorize(request)).rejects.toBeInstanceOf(PaymentProviderUnavailable);

    // when the reset timeout has passed
    await eventually(async () => (provider.state === 'half-open' ? true : undefined), {
      description: 'the circuit to be half-open',
      timeoutMs: 2_000,
    });

    // then the trial call reaches the provider and closes the circuit
    expect(await provider.authorize(request)).toEqual({ outcome: 'approved', authorizationId: 'auth-1' });
    expect(transitions).toEqual(['open', 'half-open', 'closed']);
    expect(provider.state).toBe('closed');
  });

  it('opens again when the trial call fails', async () => {
    const inner = new ScriptedProvider([down]);
    const { provider, transitions } = resilient(inner);
    await expect(provider.authorize(request)).rejects.toBeInstanceOf(PaymentProviderUnavailable);
    await eventually(async () => (provider.state === 'half-open' ? true : undefined), {
      description: 'the circuit to be half-open',
      timeoutMs: 2_000,
    });

    await expect(provider.authorize(request)).rejects.toBeInstanceOf(PaymentProviderUnavailable);

    // one trial call, not three: the circuit reopened and the retries failed fast
    expect(inner.calls).toBe(4);
    expect(transitions).toEqual(['open', 'half-open', 'open']);
  });

  it('neither retries nor opens on a revoked API key: one refresh per call, then a rejection', async () => {
    // given the sandbox accepts a key the stage does not have (revoked without a new one stored)
    const sandbox = await startPaymentSandbox({ port: 0, log: () => undefined, apiKey: 'sk_rotated' });
    try {
      let refreshes = 0;
      const http = new HttpPaymentProvider({
        baseUrl: sandbox.url,
        apiKey: {
          current: async () => 'sk_revoked',
          refresh: async () => {
            refreshes++;
            return 'sk_revoked';
          },
        },
        timeoutMs: 200,
      });
      const { provider, transitions, waits } = resilient(http);

      // when more calls are made than the circuit's volume threshold
      for (let i = 0; i < 4; i++) {
        await expect(provider.authorize(request)).rejects.toMatchObject({
          name: 'PaymentProviderRejected',
          status: 401,
        });
      }

      // then each call refreshed the key once and was not retried; the circuit never opened
      expect(refreshes).toBe(4);
      expect(waits).toEqual([]);
      expect(transitions).toEqual([]);
      expect(provider.state).toBe('closed');
    } finally {
      await sandbox.stop();
    }
  });

  it('opens on a sandbox outage and closes once the sandbox is back', async () => {
    // given the HTTP adapter against the sandbox, in an outage
    const sandbox = await startPaymentSandbox({ port: 0, log: () => undefined });
    try {
      const http = new HttpPaymentProvider({
        baseUrl: sandbox.url,
        apiKey: { current: async () => 'sandbox-key', refresh: async () => 'sandbox-key' },
        timeoutMs: 200,
      });
      const { provider, transitions } = resilient(http);
      sandbox.setOutage('error');

      // when an authorization is attempted, the circuit opens
      await expect(provider.authorize(request)).rejects.toBeInstanceOf(PaymentProviderUnavailable);
      expect(provider.state).toBe('open');

      // when the outage ends, the next call after the reset timeout closes it
      sandbox.setOutage('off');
      const answer = await eventually(async () => provider.authorize(request).catch(() => undefined), {
        description: 'the provider to answer through the circuit',
        timeoutMs: 3_000,
      });
      expect(answer).toMatchObject({ outcome: 'approved' });
      expect(transitions).toEqual(['open', 'half-open', 'closed']);
      expect(sandbox.ledger('order-1').authorizations).toHaveLength(1);
    } finally {
      await sandbox.stop();
    }
  });
});
