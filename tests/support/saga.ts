import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { expect } from 'vitest';
import { type BusEvent, call, tokenFor, uniqueId } from './api.js';
import { eventually } from './eventually.js';
import { lambdaEndpoint, sandbox, stack, TEST_STAGE } from './stack.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const lambda = new LambdaClient({ endpoint: lambdaEndpoint, region: 'us-east-1', credentials });
const bus = new EventBridgeClient({ endpoint: stack.bus, region: 'us-east-1', credentials });

/** Runs a function as its scheduler would (e.g. the pending-order sweeper) and returns its result. */
export async function invokeFunction<T = unknown>(functionKey: string, event: unknown = {}): Promise<T> {
  const result = await lambda.send(
    new InvokeCommand({
      FunctionName: `commerce-${TEST_STAGE}-${functionKey}`,
      Payload: JSON.stringify(event),
    }),
  );
  const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Publishes bus events again, unchanged (same event ids): what an at-least-once bus may do. */
export async function redeliver(events: BusEvent[]): Promise<void> {
  for (const event of events) {
    const result = await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: `commerce-${TEST_STAGE}-bus`,
            Source: event.source,
            DetailType: event['detail-type'],
            Detail: JSON.stringify(event.detail),
          },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
  }
}

export async function busEvents(filter: {
  correlationId?: string;
  detailType?: string;
}): Promise<BusEvent[]> {
  const query = new URLSearchParams(filter as Record<string, string>);
  return (await (await fetch(`${stack.bus}/_local/events?${query}`)).json()) as BusEvent[];
}

export async function setSandboxOutage(mode: 'off' | 'timeout' | 'error'): Promise<void> {
  const response = await fetch(`${sandbox}/_sandbox/outage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode }),
  });
  expect(response.ok).toBe(true);
}

export async function sandboxLedger(): Promise<any> {
  return (await fetch(`${sandbox}/_sandbox/ledger`)).json();
}

export interface Shop {
  admin: string;
  product(options?: { amount?: number; stock?: number }): Promise<string>;
  customer(name?: string): Promise<{ id: string; token: string }>;
  placeOrder(
    token: string,
    items: Array<{ productId: string; quantity: number }>,
    paymentToken?: string,
  ): Promise<{ orderId: string; correlationId: string }>;
  waitForStatus(token: string, orderId: string, status: string, timeoutMs?: number): Promise<any>;
  stock(productId: string): Promise<{ onHand: number; reserved: number; available: number }>;
}

/** Given-steps shared by the saga scenarios, over HTTP against the running stack. */
export async function openShop(): Promise<Shop> {
  const admin = await tokenFor(uniqueId('admin'), { admin: true });
  return {
    admin,
    async product({ amount = 1500, stock = 10 } = {}) {
      const productId = uniqueId('saga');
      expect(
        (
          await call('POST', '/products', {
            token: admin,
            body: { productId, name: productId, description: '', price: { amount, currency: 'EUR' } },
          })
        ).status,
      ).toBe(201);
      expect(
        (await call('PUT', `/inventory/${productId}`, { token: admin, body: { quantity: stock } })).status,
      ).toBe(200);
      return productId;
    },
    async customer(name = uniqueId('customer')) {
      return { id: name, token: await tokenFor(name) };
    },
    async placeOrder(token, items, paymentToken = 'tok_visa') {
      const correlationId = uniqueId('order-corr');
      // The orders domain prices lines from its own projection of the catalog: it may lag a moment.
      const response = await eventually(
        async () => {
          const placed = await call('POST', '/orders', {
            token,
            body: { items, paymentToken },
            headers: { 'idempotency-key': uniqueId('key'), 'x-correlation-id': correlationId },
          });
          return placed.status === 422 ? undefined : placed;
        },
        { description: 'the order to be accepted (prices projected)', timeoutMs: 15_000 },
      );
      expect(response.status, JSON.stringify(response.body)).toBe(202);
      expect(response.body.status).toBe('PENDING');
      return { orderId: response.body.orderId, correlationId };
    },
    async waitForStatus(token, orderId, status, timeoutMs = 20_000) {
      return eventually(
        async () => {
          const { body } = await call('GET', `/orders/${orderId}`, { token });
          return body?.status === status ? body : undefined;
        },
        { description: `order ${orderId} to be ${status}`, timeoutMs },
      );
    },
    async stock(productId) {
      const { status, body } = await call('GET', `/inventory/${productId}`, { token: admin });
      expect(status).toBe(200);
      return body;
    },
  };
}
