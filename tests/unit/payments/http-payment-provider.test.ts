import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpPaymentProvider } from '../../../domains/payments/adapters/http-payment-provider.js';
import { PaymentProviderRejected, PaymentProviderUnavailable } from '../../../domains/payments/ports.js';
import { startPaymentSandbox } from '../../../scripts/local-cloud/payment-sandbox.mjs';

const amount = { amount: 2500, currency: 'EUR' };
const quiet = () => undefined;

let sandbox: Awaited<ReturnType<typeof startPaymentSandbox>>;
let provider: HttpPaymentProvider;

function providerAt(baseUrl: string, options: { apiKey?: string; timeoutMs?: number } = {}) {
  const key = async () => options.apiKey ?? 'sandbox-key';
  return new HttpPaymentProvider({
    baseUrl,
    apiKey: { current: key, refresh: key },
    timeoutMs: options.timeoutMs ?? 500,
  });
}

const authorization = (orderId: string, token = 'tok_visa') => ({
  orderId,
  amount,
  token,
  idempotencyKey: `${orderId}:authorize`,
});

beforeAll(async () => {
  sandbox = await startPaymentSandbox({ port: 0, log: quiet, timeoutHoldMs: 2_000 });
  provider = providerAt(sandbox.url);
});

afterAll(async () => {
  await sandbox.stop();
});

beforeEach(() => {
  sandbox.setOutage('off');
  sandbox.rotateApiKey('sandbox-key');
});

describe('answers', () => {
  it('authorizes tok_visa and tells a declined card apart as an answer', async () => {
    // when two orders are authorized, one with a card the provider declines
    const approved = await provider.authorize(authorization('order-ok'));
    const declined = await provider.authorize(authorization('order-declined', 'tok_declined'));

    // then one is approved with an authorization id, the other declined with a reason (not an error)
    expect(approved).toEqual({ outcome: 'approved', authorizationId: expect.stringMatching(/^auth_/) });
    expect(declined).toEqual({ outcome: 'declined', reason: 'card_declined' });
  });

  it('captures, voids and refunds by authorization id', async () => {
    // given two authorizations
    const first = await provider.authorize(authorization('order-capture'));
    const second = await provider.authorize(authorization('order-void'));
    if (first.outcome !== 'approved' || second.outcome !== 'approved') throw new Error('not approved');

    // when one is captured then refunded, and the other voided
    const capture = await provider.capture({
      authorizationId: first.authorizationId,
      idempotencyKey: 'order-capture:capture',
    });
    const refund = await provider.refund({
      authorizationId: first.authorizationId,
      idempotencyKey: 'order-capture:refund',
    });
    const voided = await provider.void({
      authorizationId: second.authorizationId,
      idempotencyKey: 'order-void:void',
    });

    // then each answer is understood
    expect(capture.captureId).toMatch(/^cap_/);
    expect(refund.refundId).toMatch(/^ref_/);
    expect(voided).toEqual({ outcome: 'voided' });
  });

  it('repeats the same answer for the same idempotency key, charging once', async () => {
    const first = await provider.authorize(authorization('order-twice'));
    const second = await provider.authorize(authorization('order-twice'));

    expect(second).toEqual(first);
    expect(sandbox.ledger('order-twice').authorizations).toHaveLength(1);
  });

  it('reports a void of a captured authorization as already captured', async () => {
    const approved = await provider.authorize(authorization('order-raced'));
    if (approved.outcome !== 'approved') throw new Error('not approved');
    await provider.capture({
      authorizationId: approved.authorizationId,
      idempotencyKey: 'order-raced:capture',
    });

    const voided = await provider.void({
      authorizationId: approved.authorizationId,
      idempotencyKey: 'order-raced:void',
    });

    expect(voided).toEqual({ outcome: 'already-captured' });
  });

  it('treats a refused request (wrong API key, unknown authorization) as rejected, not unavailable', async () => {
    const wrongKey = providerAt(sandbox.url, { apiKey: 'wrong' });
    await expect(wrongKey.authorize(authorization('order-key'))).rejects.toMatchObject({
      name: 'PaymentProviderRejected',
      status: 401,
    });
    await expect(
      provider.capture({ authorizationId: 'auth_nope', idempotencyKey: 'k' }),
    ).rejects.toBeInstanceOf(PaymentProviderRejected);
  });
});

describe('a refusal that echoes the request', () => {
  it('is reported by status and error code only, never with the card token it quoted', async () => {
    const echoing = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_request', message: 'token tok_secret_4e1a is malformed' }));
    });
    await new Promise<void>((resolve) => echoing.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = echoing.address() as AddressInfo;
      const refusal = await providerAt(`http://127.0.0.1:${port}`)
        .authorize(authorization('order-echo', 'tok_secret_4e1a'))
        .catch((error: unknown) => error);

      expect(refusal).toBeInstanceOf(PaymentProviderRejected);
      expect((refusal as Error).message).toBe('The provider refused authorize with 400 (invalid_request)');
    } finally {
      await new Promise((resolve) => echoing.close(resolve));
    }
  });
});

describe('a rotated API key', () => {
  /** A key source that still serves the key it read first, until refreshed (a cache within its maxAge). */
  function cachedKey(first: string, stored: () => string) {
    let cached = first;
    return {
      current: vi.fn(async () => cached),
      refresh: vi.fn(async () => {
        cached = stored();
        return cached;
      }),
    };
  }

  it('refreshes the key once after a 401 and makes the call again, charging once', async () => {
    // given the provider rotated its key, revoking the cached one at once
    sandbox.rotateApiKey('sk_rotated');
    const key = cachedKey('sandbox-key', () => 'sk_rotated');
    const rotated = new HttpPaymentProvider({ baseUrl: sandbox.url, apiKey: key, timeoutMs: 500 });

    // when an authorization is made, and another one after it
    const first = await rotated.authorize(authorization('order-rotated'));
    const second = await rotated.authorize(authorization('order-rotated-2'));

    // then the first was refused once, the key read again and the call repeated; the second used the new key
    expect(first).toMatchObject({ outcome: 'approved' });
    expect(second).toMatchObject({ outcome: 'approved' });
    expect(key.refresh).toHaveBeenCalledOnce();
    expect(sandbox.ledger('order-rotated').authorizations).toHaveLength(1);
  });

  it('gives up after a second 401 with a clear, non-retryable error, without a loop', async () => {
    // given a stored key that the provider does not accept either
    sandbox.rotateApiKey('sk_rotated');
    const key = cachedKey('sandbox-key', () => 'sk_also_wrong');
    const refused = new HttpPaymentProvider({ baseUrl: sandbox.url, apiKey: key, timeoutMs: 500 });
    const requests = vi.spyOn(globalThis, 'fetch');

    try {
      // when an authorization is attempted
      const attempt = refused.authorize(authorization('order-revoked'));

      // then it fails as a rejection after two requests and one refresh
      await expect(attempt).rejects.toBeInstanceOf(PaymentProviderRejected);
      await expect(attempt).rejects.toMatchObject({
        status: 401,
        message: expect.stringMatching(/refused the API key .*also just after reading it again/),
      });
      expect(requests).toHaveBeenCalledTimes(2);
      expect(key.refresh).toHaveBeenCalledOnce();
      expect(sandbox.ledger('order-revoked').authorizations).toEqual([]);
    } finally {
      requests.mockRestore();
    }
  });
});

describe('unavailability', () => {
  it('turns a 5xx into PaymentProviderUnavailable', async () => {
    sandbox.setOutage('error');

    const attempt = provider.authorize(authorization('order-503'));

    await expect(attempt).rejects.toBeInstanceOf(PaymentProviderUnavailable);
    await expect(attempt).rejects.toMatchObject({
      reason: 'server-error',
      message: 'The provider answered 503',
    });
    // and nothing was charged
    expect(sandbox.ledger('order-503').authorizations).toEqual([]);
  });

  it('gives up after its timeout and reports unavailability', async () => {
    sandbox.setOutage('timeout');
    const impatient = providerAt(sandbox.url, { timeoutMs: 100 });

    const startedAt = Date.now();
    const attempt = impatient.authorize(authorization('order-slow'));

    await expect(attempt).rejects.toMatchObject({ name: 'PaymentProviderUnavailable', reason: 'timeout' });
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('reports an unreachable provider as unavailable', async () => {
    // given a port nobody listens on
    const probe: Server = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));

    const attempt = providerAt(`http://127.0.0.1:${port}`).authorize(authorization('order-down'));

    await expect(attempt).rejects.toMatchObject({ name: 'PaymentProviderUnavailable', reason: 'network' });
    await expect(attempt).rejects.toThrow(/ECONNREFUSED/);
  });

  it('treats 429 as unavailable and an answer that is not JSON as rejected', async () => {
    const server = createServer((req, res) => {
      if (req.url?.endsWith('/capture')) {
        res.writeHead(200).end('<html>');
        return;
      }
      res.writeHead(429).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const odd = providerAt(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      await expect(odd.authorize(authorization('order-429'))).rejects.toMatchObject({
        reason: 'server-error',
      });
      await expect(odd.capture({ authorizationId: 'a', idempotencyKey: 'k' })).rejects.toBeInstanceOf(
        PaymentProviderRejected,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
