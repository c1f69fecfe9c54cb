import { randomUUID } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { expect } from 'vitest';
import { createEnvelope, type EventContract } from '../../events/envelope.js';
import { toLambdaRecord } from '../../scripts/local-cloud/sqs-poller.mjs';
import { type BusEvent, call, tokenFor, uniqueId } from './api.js';
import { eventually } from './eventually.js';
import { lambdaEndpoint, sandbox, stack, TEST_STAGE } from './stack.js';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const lambda = new LambdaClient({ endpoint: lambdaEndpoint, region: REGION, credentials });

/** One synchronous invocation, as Lambda reports it: the handler's result, or its error. */
async function invoke(functionKey: string, event: unknown): Promise<{ error?: string; result: unknown }> {
  const response = await lambda.send(
    new InvokeCommand({
      FunctionName: `commerce-${TEST_STAGE}-${functionKey}`,
      Payload: JSON.stringify(event),
    }),
  );
  const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
  const result: unknown = text ? JSON.parse(text) : undefined;
  return response.FunctionError ? { error: `${response.FunctionError}: ${text}`, result } : { result };
}

/** Runs a function as its scheduler would (e.g. the pending-order sweeper) and returns its result. */
export async function invokeFunction<T = unknown>(functionKey: string, event: unknown = {}): Promise<T> {
  const { error, result } = await invoke(functionKey, event);
  if (error) throw new Error(`${functionKey} failed: ${error}`);
  return result as T;
}

/** A consumer of saga events: its function, how it is triggered, and what its rules send it (serverless.yml). */
export interface SagaConsumer {
  functionKey: string;
  /**
   * `rule`: an EventBridge rule invokes it with each event; `fifoQueue`: it reads that FIFO queue;
   * `busQueue`: it reads batches from that standard queue, which its rules fill (`busQueue` in serverless.yml).
   */
  trigger: 'rule' | { fifoQueue: string } | { busQueue: string };
  consumes: readonly string[];
}

export const sagaConsumers = {
  inventory: {
    functionKey: 'inventoryOnOrderEvents',
    trigger: 'rule',
    consumes: ['OrderPlaced', 'OrderCancelled'],
  },
  inventorySale: {
    functionKey: 'inventorySellConfirmedOrders',
    trigger: { busQueue: 'inventory-sell-confirmed-orders' },
    consumes: ['OrderConfirmed'],
  },
  payments: {
    functionKey: 'paymentsHandleEvents',
    trigger: { fifoQueue: 'payments-events.fifo' },
    consumes: ['OrderPlaced', 'StockReserved', 'OrderConfirmed', 'OrderCancelled'],
  },
  orders: {
    functionKey: 'ordersApplySagaEvent',
    trigger: 'rule',
    consumes: ['StockReservationFailed', 'PaymentAuthorized', 'PaymentDeclined', 'PaymentUnavailable'],
  },
} as const satisfies Record<string, SagaConsumer>;

/** An event of one of our contracts as the bus hands it to a target, for a fact no domain published. */
export function busEventOf<Type extends string, Data>(
  contract: EventContract<Type, Data>,
  data: Data,
  correlationId: string,
): BusEvent {
  const detail = createEnvelope(contract, data, { correlationId, causationId: correlationId });
  const event = {
    version: '0',
    id: randomUUID(),
    'detail-type': contract.type,
    source: `commerce.${contract.producer}`,
    account: '000000000000',
    time: detail.metadata.occurredAt.replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [],
    detail,
  };
  // BusEvent types metadata loosely as strings; eventVersion is the contract's number.
  return event as unknown as BusEvent;
}

/**
 * A saga event as the queue's event source mapping hands it over: forwarded to a FIFO queue (group = order,
 * as the forwarders do, with correlation id attribute), or as a rule put it on a standard queue (the body only).
 */
function queueRecord(
  trigger: { fifoQueue: string } | { busQueue: string },
  event: BusEvent,
  position: number,
) {
  const sentAt = String(Date.now());
  const fifo = 'fifoQueue' in trigger;
  return toLambdaRecord(
    {
      MessageId: randomUUID(),
      ReceiptHandle: randomUUID(),
      Body: JSON.stringify(event),
      Attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: sentAt,
        ApproximateFirstReceiveTimestamp: sentAt,
        ...(fifo
          ? {
              MessageGroupId: event.detail.data.orderId,
              MessageDeduplicationId: event.detail.metadata.eventId,
              SequenceNumber: `${sentAt}${String(position).padStart(6, '0')}`,
            }
          : {}),
      },
      ...(fifo
        ? {
            MessageAttributes: {
              correlationId: { DataType: 'String', StringValue: event.detail.metadata.correlationId },
            },
          }
        : {}),
    },
    `arn:aws:sqs:${REGION}:000000000000:commerce-${TEST_STAGE}-${fifo ? trigger.fifoQueue : trigger.busQueue}`,
    REGION,
  );
}

/**
 * Delivers bus events to one consumer (again), the way its trigger does: a rule invokes the function with
 * each event; a queue's event source mapping with one batch of the order's messages, in order. Resolves
 * once the consumer has processed and acknowledged every one of them, so a test can then assert what
 * the delivery changed, or that it changed nothing, without waiting out a guessed window.
 *
 * Why not publish them on the bus again: that says nothing about when, or whether, a consumer processed
 * them; and a FIFO forwarder deduplicates by event id, so within SQS's 5-minute window the copy never
 * reaches a FIFO consumer. This covers the copies that do reach it: an SQS redelivery, or a bus
 * redelivery after the window. A delivery the consumer turns away (another delivery of the same event
 * still in progress) is repeated, as the rule or the queue would.
 */
export async function deliverTo(consumer: SagaConsumer, events: BusEvent[]): Promise<void> {
  const mine = events.filter((event) => consumer.consumes.includes(event['detail-type']));
  expect(mine.length, `none of the events is for ${consumer.functionKey}`).toBeGreaterThan(0);
  const { trigger } = consumer;
  const invocations =
    trigger === 'rule'
      ? mine
      : [{ Records: mine.map((event, position) => queueRecord(trigger, event, position)) }];
  for (const payload of invocations) {
    await eventually(
      async () => {
        const { error, result } = await invoke(consumer.functionKey, payload);
        if (error) throw new Error(error);
        const failures = (result as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures ?? [];
        if (failures.length > 0) throw new Error(`returned ${JSON.stringify(failures)}`);
        return true;
      },
      { description: `${consumer.functionKey} to acknowledge the delivery`, intervalMs: 500 },
    );
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

/** The payment sandbox's ledger: every authorization, decline, capture, void and refund (of one order). */
export async function sandboxLedger(orderId?: string): Promise<any> {
  const query = orderId ? `?${new URLSearchParams({ orderId })}` : '';
  return (await fetch(`${sandbox}/_sandbox/ledger${query}`)).json();
}

/**
 * A card token of its own that the sandbox approves (registered through its local-only test-cards
 * endpoint): a test can then look for exactly this token everywhere it must not be.
 */
export async function registeredTestCard(name: string): Promise<string> {
  const token = `tok_test_${name}`;
  const response = await fetch(`${sandbox}/_sandbox/test-cards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (response.status !== 201) throw new Error(`The sandbox refused test card ${token}: ${response.status}`);
  return token;
}

/** How many of each provider operation one order has in the sandbox's ledger. */
export async function ledgerCounts(orderId: string): Promise<Record<string, number>> {
  const ledger: Record<string, unknown[]> = await sandboxLedger(orderId);
  return Object.fromEntries(Object.entries(ledger).map(([kind, entries]) => [kind, entries.length]));
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
