import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEventBus } from '../../../scripts/local-cloud/event-bus.mjs';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const BUS = 'commerce';
const ORDERS_QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:fulfilment.fifo`;
const BROKEN_QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:broken`;
const DLQ = `arn:aws:sqs:${REGION}:${ACCOUNT}:events-dlq`;

interface AwsEvent {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: { metadata?: { correlationId?: string }; [key: string]: unknown };
}

interface LambdaCall {
  functionKey: string;
  event: AwsEvent;
}
interface SqsCall {
  queueArn: string;
  body: string;
  opts: { messageGroupId?: string; deduplicationId?: string; messageAttributes?: Record<string, unknown> };
}

const lambdaCalls: LambdaCall[] = [];
const sqsCalls: SqsCall[] = [];
const logs: { level: string; message: string }[] = [];

let bus: Awaited<ReturnType<typeof startEventBus>>;
let client: EventBridgeClient;

async function waitFor<T>(read: () => T | undefined, description: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function entry(
  detailType: string,
  detail: Record<string, unknown>,
  extra: Partial<PutEventsRequestEntry> = {},
) {
  return {
    Source: 'commerce.orders',
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    EventBusName: BUS,
    ...extra,
  } satisfies PutEventsRequestEntry;
}

async function localEvents(query: Record<string, string>): Promise<AwsEvent[]> {
  const response = await fetch(`${bus.endpoint}/_local/events?${new URLSearchParams(query)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as AwsEvent[];
}

beforeAll(async () => {
  bus = await startEventBus({
    port: 0,
    region: REGION,
    accountId: ACCOUNT,
    retryBaseDelayMs: 5,
    rules: [
      {
        name: 'order-placed-to-fulfilment',
        eventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`,
        eventPattern: { source: ['commerce.orders'], 'detail-type': ['OrderPlaced'] },
        targets: [
          { id: 'notify', kind: 'lambda', functionKey: 'notifyCustomer' },
          { id: 'fulfil', kind: 'sqs', queueArn: ORDERS_QUEUE, messageGroupId: 'orders' },
        ],
      },
      {
        name: 'order-cancelled-broken-targets',
        eventBusName: BUS,
        eventPattern: { 'detail-type': ['OrderCancelled'] },
        targets: [
          {
            id: 'failing-lambda',
            kind: 'lambda',
            functionKey: 'alwaysFails',
            maximumRetryAttempts: 2,
            deadLetterQueueArn: DLQ,
          },
          { id: 'failing-queue', kind: 'sqs', queueArn: BROKEN_QUEUE, maximumRetryAttempts: 1 },
        ],
      },
    ],
    deliver: {
      async lambda(functionKey, event) {
        lambdaCalls.push({ functionKey, event: event as AwsEvent });
        if (functionKey === 'alwaysFails') return { ok: false, error: 'Error: boom' };
        return { ok: true, payload: null };
      },
      async sqs(queueArn, body, opts) {
        sqsCalls.push({ queueArn, body, opts });
        if (queueArn === BROKEN_QUEUE) throw new Error('queue unavailable');
      },
    },
    log: (level, message) => {
      logs.push({ level, message });
    },
  });
  client = new EventBridgeClient({
    endpoint: bus.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterEach(() => {
  bus.setOutage(false);
});

afterAll(async () => {
  client?.destroy();
  await bus?.stop();
});

describe('local EventBridge bus', () => {
  it('delivers a matching event to the lambda target and to the FIFO sqs target with the group id', async () => {
    const response = await client.send(
      new PutEventsCommand({
        Entries: [entry('OrderPlaced', { orderId: 'o-1', metadata: { correlationId: 'c-1' } })],
      }),
    );
    expect(response.FailedEntryCount).toBe(0);
    const eventId = response.Entries?.[0]?.EventId;
    expect(eventId).toEqual(expect.any(String));

    const call = await waitFor(() => lambdaCalls.find((c) => c.event.id === eventId), 'lambda delivery');
    expect(call.functionKey).toBe('notifyCustomer');
    expect(call.event).toEqual({
      version: '0',
      id: eventId,
      'detail-type': 'OrderPlaced',
      source: 'commerce.orders',
      account: ACCOUNT,
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      region: REGION,
      resources: [],
      detail: { orderId: 'o-1', metadata: { correlationId: 'c-1' } },
    });

    const message = await waitFor(
      () => sqsCalls.find((c) => c.queueArn === ORDERS_QUEUE && JSON.parse(c.body).id === eventId),
      'sqs delivery',
    );
    expect(JSON.parse(message.body)).toEqual(call.event);
    expect(message.opts).toEqual({ messageGroupId: 'orders', deduplicationId: eventId });
  });

  it('uses the entry Time and Resources', async () => {
    const response = await client.send(
      new PutEventsCommand({
        Entries: [
          entry(
            'OrderPlaced',
            { orderId: 'o-time' },
            { Time: new Date('2024-01-02T03:04:05.678Z'), Resources: ['arn:x'] },
          ),
        ],
      }),
    );
    const eventId = response.Entries?.[0]?.EventId;
    const call = await waitFor(() => lambdaCalls.find((c) => c.event.id === eventId), 'lambda delivery');
    expect(call.event.time).toBe('2024-01-02T03:04:05Z');
    expect(call.event.resources).toEqual(['arn:x']);
  });

  it('does not route a non-matching event, nor an event on another bus', async () => {
    const response = await client.send(
      new PutEventsCommand({
        Entries: [
          entry('OrderShipped', { orderId: 'o-2' }),
          entry('OrderPlaced', { orderId: 'o-2' }, { EventBusName: 'default' }),
          // A marker that does match, published afterwards: once it is delivered, the others would have been too.
          entry('OrderPlaced', { orderId: 'o-2-marker' }),
        ],
      }),
    );
    expect(response.FailedEntryCount).toBe(0);
    const [shipped, otherBus, marker] = (response.Entries ?? []).map((e) => e.EventId);
    await waitFor(() => lambdaCalls.find((c) => c.event.id === marker), 'marker delivery');
    await waitFor(
      () => sqsCalls.find((c) => c.queueArn === ORDERS_QUEUE && JSON.parse(c.body).id === marker),
      'marker',
    );
    const delivered = [...lambdaCalls.map((c) => c.event.id), ...sqsCalls.map((c) => JSON.parse(c.body).id)];
    expect(delivered).not.toContain(shipped);
    expect(delivered).not.toContain(otherBus);
  });

  it('fails only the malformed entries and accepts the others (partial failure)', async () => {
    const response = await client.send(
      new PutEventsCommand({
        Entries: [
          entry('OrderPlaced', { orderId: 'o-3' }),
          { ...entry('OrderPlaced', {}), Detail: '{not json' },
          { ...entry('OrderPlaced', {}), Detail: '[1,2]' },
          { DetailType: 'OrderPlaced', Detail: '{}', EventBusName: BUS },
        ],
      }),
    );
    expect(response.FailedEntryCount).toBe(3);
    expect(response.Entries).toEqual([
      { EventId: expect.any(String) },
      { ErrorCode: 'MalformedDetail', ErrorMessage: expect.any(String) },
      { ErrorCode: 'MalformedDetail', ErrorMessage: expect.any(String) },
      { ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('Source') },
    ]);
    const accepted = response.Entries?.[0]?.EventId;
    await waitFor(() => lambdaCalls.find((c) => c.event.id === accepted), 'delivery of the valid entry');
  });

  it('rejects more than 10 entries with a ValidationException', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => entry('OrderPlaced', { orderId: `bulk-${i}` }));
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(bus.recentEvents().some((e) => (e.detail as { orderId?: string }).orderId === 'bulk-0')).toBe(
      false,
    );
  });

  it('retries a failing lambda target, then sends the event to its DLQ; drops after retries without a DLQ', async () => {
    const response = await client.send(
      new PutEventsCommand({ Entries: [entry('OrderCancelled', { orderId: 'o-4' })] }),
    );
    const eventId = response.Entries?.[0]?.EventId;

    const dead = await waitFor(
      () => sqsCalls.find((c) => c.queueArn === DLQ && JSON.parse(c.body).id === eventId),
      'DLQ message',
    );
    expect(lambdaCalls.filter((c) => c.event.id === eventId && c.functionKey === 'alwaysFails')).toHaveLength(
      3,
    );
    expect(JSON.parse(dead.body)).toMatchObject({
      id: eventId,
      'detail-type': 'OrderCancelled',
      detail: { orderId: 'o-4' },
    });
    expect(dead.opts.messageGroupId).toBeUndefined();

    await waitFor(
      () =>
        logs.find(
          (l) => l.level === 'error' && l.message.includes(`event ${eventId} dropped after 2 attempt(s)`),
        ),
      'drop log for the sqs target without DLQ',
    );
    expect(
      sqsCalls.filter((c) => c.queueArn === BROKEN_QUEUE && JSON.parse(c.body).id === eventId),
    ).toHaveLength(2);
  });

  it('outage mode fails every entry with InternalFailure and routes nothing', async () => {
    const outage = await fetch(`${bus.endpoint}/_local/outage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true }),
    });
    expect(await outage.json()).toEqual({ enabled: true });

    const response = await client.send(
      new PutEventsCommand({
        Entries: [
          entry('OrderPlaced', { orderId: 'o-outage-1' }),
          entry('OrderPlaced', { orderId: 'o-outage-2' }),
        ],
      }),
    );
    expect(response.FailedEntryCount).toBe(2);
    expect(response.Entries).toEqual([
      { ErrorCode: 'InternalFailure', ErrorMessage: expect.any(String) },
      { ErrorCode: 'InternalFailure', ErrorMessage: expect.any(String) },
    ]);

    bus.setOutage(false);
    const after = await client.send(
      new PutEventsCommand({ Entries: [entry('OrderPlaced', { orderId: 'o-after' })] }),
    );
    const afterId = after.Entries?.[0]?.EventId;
    await waitFor(() => lambdaCalls.find((c) => c.event.id === afterId), 'delivery after the outage');
    const orderIds = [
      ...lambdaCalls.map((c) => c.event.detail.orderId),
      ...bus.recentEvents().map((e) => e.detail.orderId),
    ];
    expect(orderIds).not.toContain('o-outage-1');
    expect(orderIds).not.toContain('o-outage-2');
  });

  it('filters /_local/events by detailType, source and correlationId (newest last)', async () => {
    await client.send(
      new PutEventsCommand({
        Entries: [
          entry('OrderPlaced', { orderId: 'f-1', metadata: { correlationId: 'corr-filter' } }),
          entry(
            'PaymentCaptured',
            { orderId: 'f-1', metadata: { correlationId: 'corr-filter' } },
            { Source: 'commerce.payments' },
          ),
          entry('OrderPlaced', { orderId: 'f-2', metadata: { correlationId: 'corr-other' } }),
        ],
      }),
    );

    const byCorrelation = await localEvents({ correlationId: 'corr-filter' });
    expect(byCorrelation.map((e) => e['detail-type'])).toEqual(['OrderPlaced', 'PaymentCaptured']);

    const bySource = await localEvents({ correlationId: 'corr-filter', source: 'commerce.payments' });
    expect(bySource.map((e) => e.detail.orderId)).toEqual(['f-1']);

    const byType = await localEvents({ detailType: 'OrderPlaced' });
    expect(byType.at(-1)?.detail.orderId).toBe('f-2');
    expect(byType.every((e) => e['detail-type'] === 'OrderPlaced')).toBe(true);

    expect(await localEvents({ correlationId: 'no-such-correlation' })).toEqual([]);

    const health = await fetch(`${bus.endpoint}/_local/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', outage: false });
  });

  it('implements TestEventPattern and rejects unknown operations', async () => {
    const event = {
      id: '1',
      account: ACCOUNT,
      source: 'commerce.orders',
      time: '2024-01-01T00:00:00Z',
      region: REGION,
      resources: [],
      'detail-type': 'OrderPlaced',
      detail: { total: 12 },
    };
    const matches = await client.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify({ detail: { total: [{ numeric: ['>', 10] }] } }),
        Event: JSON.stringify(event),
      }),
    );
    expect(matches.Result).toBe(true);
    const noMatch = await client.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify({ source: ['other'] }),
        Event: JSON.stringify(event),
      }),
    );
    expect(noMatch.Result).toBe(false);
    await expect(
      client.send(
        new TestEventPatternCommand({ EventPattern: '{"source":"x"}', Event: JSON.stringify(event) }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidEventPatternException' });

    const unknown = await fetch(bus.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.ListRules' },
      body: '{}',
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

describe('startEventBus validation', () => {
  it('refuses to start with a malformed rule pattern and names the rule', async () => {
    await expect(
      startEventBus({
        port: 0,
        region: REGION,
        accountId: ACCOUNT,
        rules: [
          { name: 'bad-rule', eventBusName: BUS, eventPattern: { source: 'not-an-array' }, targets: [] },
        ],
        deliver: { lambda: async () => ({ ok: true, payload: null }), sqs: async () => {} },
        log: () => {},
      }),
    ).rejects.toThrow(/bad-rule.*invalid event pattern/);
  });
});
