import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPaymentSandbox } from '../../../scripts/local-cloud/payment-sandbox.mjs';

const API_KEY = 'sandbox-key';
const amount = { amount: 4200, currency: 'EUR' };
const logs: Array<{ level: string; message: string }> = [];

let sandbox: Awaited<ReturnType<typeof startPaymentSandbox>>;

async function call(
  method: string,
  path: string,
  body?: unknown,
  options: { apiKey?: string | null; timeoutMs?: number } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const apiKey = options.apiKey === undefined ? API_KEY : options.apiKey;
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const authorize = (orderId: string, token = 'tok_visa', idempotencyKey = `${orderId}:authorize`) =>
  call('POST', '/v1/authorizations', { orderId, amount, token, idempotencyKey });

async function authorizedId(orderId: string): Promise<string> {
  const { status, body } = await authorize(orderId);
  expect(status).toBe(201);
  return body.authorizationId;
}

beforeAll(async () => {
  sandbox = await startPaymentSandbox({
    port: 0,
    apiKey: API_KEY,
    timeoutHoldMs: 300,
    log: (level, message) => logs.push({ level, message }),
  });
});

afterAll(async () => {
  await sandbox.stop();
});

beforeEach(() => {
  sandbox.setOutage('off');
});

describe('API key', () => {
  it('answers 401 without the right x-api-key', async () => {
    expect((await call('POST', '/v1/authorizations', {}, { apiKey: null })).status).toBe(401);
    expect((await call('POST', '/v1/authorizations', {}, { apiKey: 'guess' })).status).toBe(401);
  });
});

describe('authorizations', () => {
  it('approves a registered test card, declines it unregistered, and keeps only fingerprints', async () => {
    expect((await authorize('order-unregistered-card', 'tok_visa_e2e-7f3c')).status).toBe(402);
    expect((await call('POST', '/_sandbox/test-cards', { token: 'tok_visa_e2e-7f3c' })).status).toBe(201);
    expect((await call('POST', '/_sandbox/test-cards', { token: 'not a token' })).status).toBe(400);
    const approved = await authorize('order-named-card', 'tok_visa_e2e-7f3c');
    const declined = await authorize('order-named-decline', 'tok_declined');

    expect(approved.status).toBe(201);
    expect(declined.status).toBe(402);
    const fingerprint = (token: string) => createHash('sha256').update(token).digest('hex');
    expect(sandbox.ledger('order-named-card').authorizations).toMatchObject([
      { tokenFingerprint: fingerprint('tok_visa_e2e-7f3c') },
    ]);
    expect(sandbox.ledger('order-named-decline').declines).toMatchObject([
      { tokenFingerprint: fingerprint('tok_declined') },
    ]);
    expect(JSON.stringify(sandbox.ledger())).not.toContain('tok_visa_e2e-7f3c');
  });

  it('approves tok_visa and declines anything else with a reason', async () => {
    const approved = await authorize('order-visa');
    const declined = await authorize('order-declined', 'tok_declined');
    const unknown = await authorize('order-unknown', 'tok_mastercard');

    expect(approved).toEqual({
      status: 201,
      body: {
        authorizationId: expect.stringMatching(/^auth_/),
        status: 'approved',
        orderId: 'order-visa',
        amount,
      },
    });
    expect(declined).toEqual({ status: 402, body: { status: 'declined', reason: 'card_declined' } });
    expect(unknown).toEqual({ status: 402, body: { status: 'declined', reason: 'unknown_token' } });
    expect(sandbox.ledger('order-declined')).toMatchObject({
      authorizations: [],
      declines: [{ reason: 'card_declined' }],
    });
  });

  it('answers the same idempotency key with the same answer, and authorizes once', async () => {
    const first = await authorize('order-retry');
    const second = await authorize('order-retry');
    const declinedTwice = [
      await authorize('order-nope', 'tok_declined'),
      await authorize('order-nope', 'tok_declined'),
    ];

    expect(second).toEqual(first);
    expect(sandbox.ledger('order-retry').authorizations).toHaveLength(1);
    expect(declinedTwice[1]).toEqual(declinedTwice[0]);
    expect(sandbox.ledger('order-nope').declines).toHaveLength(1);
  });

  it('refuses a reused idempotency key with another request, and invalid requests', async () => {
    await authorize('order-key');

    const reused = await call('POST', '/v1/authorizations', {
      orderId: 'order-other',
      amount,
      token: 'tok_visa',
      idempotencyKey: 'order-key:authorize',
    });
    const invalid = await call('POST', '/v1/authorizations', {
      orderId: 'x',
      amount: { amount: 1.5 },
      token: 't',
    });

    expect(reused.status).toBe(409);
    expect(invalid.status).toBe(400);
    expect(sandbox.ledger('order-other').authorizations).toEqual([]);
  });
});

describe('capture, void, refund', () => {
  it('captures an authorization once per idempotency key', async () => {
    const id = await authorizedId('order-capture');

    const first = await call('POST', `/v1/authorizations/${id}/capture`, {
      idempotencyKey: 'order-capture:capture',
    });
    const again = await call('POST', `/v1/authorizations/${id}/capture`, {
      idempotencyKey: 'order-capture:capture',
    });
    const otherKey = await call('POST', `/v1/authorizations/${id}/capture`, { idempotencyKey: 'another' });

    expect(first).toEqual({
      status: 200,
      body: { captureId: expect.stringMatching(/^cap_/), status: 'captured', amount },
    });
    expect(again).toEqual(first);
    expect(otherKey).toEqual({ status: 409, body: { error: 'invalid_state', status: 'captured' } });
    expect(sandbox.ledger('order-capture').captures).toEqual([
      {
        captureId: first.body.captureId,
        authorizationId: id,
        orderId: 'order-capture',
        amount,
        at: expect.any(String),
      },
    ]);
  });

  it('voids an uncaptured authorization (idempotently) and refuses to void a captured one', async () => {
    const uncaptured = await authorizedId('order-void');
    const captured = await authorizedId('order-captured');
    await call('POST', `/v1/authorizations/${captured}/capture`, {
      idempotencyKey: 'order-captured:capture',
    });

    const voided = await call('POST', `/v1/authorizations/${uncaptured}/void`);
    const again = await call('POST', `/v1/authorizations/${uncaptured}/void`, {
      idempotencyKey: 'order-void:void',
    });
    const tooLate = await call('POST', `/v1/authorizations/${captured}/void`, { idempotencyKey: 'k' });
    const captureVoided = await call('POST', `/v1/authorizations/${uncaptured}/capture`, {
      idempotencyKey: 'k2',
    });

    expect(voided).toEqual({ status: 200, body: { authorizationId: uncaptured, status: 'voided' } });
    expect(again).toEqual(voided);
    expect(tooLate).toEqual({ status: 409, body: { error: 'invalid_state', status: 'captured' } });
    expect(captureVoided.status).toBe(409);
    expect(sandbox.ledger('order-void').voids).toHaveLength(1);
  });

  it('refunds a capture once, and nothing that was not captured', async () => {
    const id = await authorizedId('order-refund');
    const notCaptured = await call('POST', `/v1/authorizations/${id}/refund`, {
      idempotencyKey: 'order-refund:refund',
    });
    await call('POST', `/v1/authorizations/${id}/capture`, { idempotencyKey: 'order-refund:capture' });

    const refund = await call('POST', `/v1/authorizations/${id}/refund`, {
      idempotencyKey: 'order-refund:refund',
    });
    const again = await call('POST', `/v1/authorizations/${id}/refund`, {
      idempotencyKey: 'order-refund:refund',
    });

    expect(notCaptured.status).toBe(409);
    expect(refund).toEqual({
      status: 200,
      body: { refundId: expect.stringMatching(/^ref_/), status: 'refunded', amount },
    });
    expect(again).toEqual(refund);
    expect(sandbox.ledger('order-refund').refunds).toMatchObject([
      { refundId: refund.body.refundId, amount },
    ]);
  });

  it('answers 404 for an unknown authorization or route', async () => {
    expect(
      (await call('POST', '/v1/authorizations/auth_missing/capture', { idempotencyKey: 'k' })).status,
    ).toBe(404);
    expect((await call('POST', '/v1/charges', {})).status).toBe(404);
  });
});

describe('outage', () => {
  it.each([
    { mode: 'error' as const, status: 503, minMs: 0, maxMs: 250 },
    { mode: 'timeout' as const, status: 504, minMs: 290, maxMs: 2_000 },
  ])('answers $status in $mode mode, without processing the call', async ({ mode, status, minMs, maxMs }) => {
    // given an outage (this sandbox holds calls 300 ms in timeout mode)
    sandbox.setOutage(mode);

    // when a card is authorized
    const startedAt = Date.now();
    const response = await authorize(`order-outage-${mode}`);

    // then the answer is the outage's, in its time, and nothing is charged
    const elapsed = Date.now() - startedAt;
    expect(response.status).toBe(status);
    expect(elapsed).toBeGreaterThanOrEqual(minMs);
    expect(elapsed).toBeLessThan(maxMs);
    expect(sandbox.ledger(`order-outage-${mode}`).authorizations).toEqual([]);
  });

  it('is switched and read through the local control endpoints, which keep working during an outage', async () => {
    const set = await call('POST', '/_sandbox/outage', { mode: 'timeout' }, { apiKey: null });
    const read = await call('GET', '/_sandbox/outage', undefined, { apiKey: null });
    const ledger = await call('GET', '/_sandbox/ledger?orderId=order-visa', undefined, { apiKey: null });
    const invalid = await call('POST', '/_sandbox/outage', { mode: 'sometimes' }, { apiKey: null });
    const off = await call('POST', '/_sandbox/outage', { mode: 'off' }, { apiKey: null });

    expect(set).toEqual({ status: 200, body: { mode: 'timeout' } });
    expect(read).toEqual({ status: 200, body: { mode: 'timeout' } });
    expect(ledger.status).toBe(200);
    expect(ledger.body.authorizations).toEqual([expect.objectContaining({ orderId: 'order-visa' })]);
    expect(Object.keys(ledger.body).sort()).toEqual([
      'authorizations',
      'captures',
      'declines',
      'refunds',
      'voids',
    ]);
    expect(invalid.status).toBe(400);
    expect(off.body).toEqual({ mode: 'off' });
    expect(sandbox.outage()).toBe('off');
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('outage ON (timeout)'))).toBe(true);
  });

  it('takes only the operations it is given: a capture fails while authorizations go through', async () => {
    const authorizationId = await authorizedId('order-capture-outage');
    const set = await call(
      'POST',
      '/_sandbox/outage',
      { mode: 'error', operations: ['capture'] },
      { apiKey: null },
    );

    const anotherAuthorization = await authorize('order-capture-outage-2');
    const capture = await call('POST', `/v1/authorizations/${authorizationId}/capture`, {
      idempotencyKey: 'order-capture-outage:capture',
    });
    const captureLedger = sandbox.ledger('order-capture-outage').captures;
    sandbox.setOutage('off');
    const captureAfter = await call('POST', `/v1/authorizations/${authorizationId}/capture`, {
      idempotencyKey: 'order-capture-outage:capture',
    });

    expect(set).toEqual({ status: 200, body: { mode: 'error', operations: ['capture'] } });
    expect(anotherAuthorization.status).toBe(201);
    expect(capture.status).toBe(503);
    expect(captureLedger).toEqual([]);
    expect(captureAfter.status).toBe(200);
    expect(sandbox.ledger('order-capture-outage').captures).toHaveLength(1);
    expect(
      logs.some((l) => l.message.includes('outage ON (error): every capture call is answered 503')),
    ).toBe(true);
  });

  it('refuses an unknown, empty or repeated list of operations', async () => {
    for (const operations of [['charge'], [], ['capture', 'capture'], 'capture']) {
      const refused = await call('POST', '/_sandbox/outage', { mode: 'error', operations }, { apiKey: null });
      expect(refused.status).toBe(400);
    }
    expect(sandbox.outage()).toBe('off');
  });

  it('holds ~10 s by default and stops promptly with calls still held', async () => {
    const slow = await startPaymentSandbox({ port: 0, log: () => undefined });
    slow.setOutage('timeout');
    const held = fetch(`${slow.url}/v1/authorizations`, { method: 'POST', body: '{}' }).catch(
      (error) => error,
    );

    await expect(
      fetch(`${slow.url}/v1/authorizations`, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.timeout(1_000),
      }),
    ).rejects.toThrow();
    const startedAt = Date.now();
    await slow.stop();

    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(await held).toBeInstanceOf(Error);
  });
});

describe('npm run sandbox', () => {
  const run = promisify(execFile);

  it('refuses an unknown outage mode or stage with exit code 2 and its usage', async () => {
    for (const args of [
      ['outage', 'sometimes', '--stage', 'test'],
      ['outage', 'on', '--stage', 'nowhere'],
    ]) {
      const failure = await run(process.execPath, ['scripts/sandbox.mjs', ...args]).catch((error) => error);
      expect(failure.code).toBe(2);
      expect(failure.stderr).toContain('usage: npm run sandbox -- outage on|off|timeout|error|status');
    }
  });
});
