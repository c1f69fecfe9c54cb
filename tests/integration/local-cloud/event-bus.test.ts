import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { FauxqsServer } from 'fauxqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ratePeriodMs, startEventBus } from '../../../scripts/local-cloud/event-bus.mjs';
import { startLocalSqs } from '../../../scripts/local-cloud/fauxqs-fifo.mjs';
import { type AsyncFunctionConfig, createAsyncInvoker } from '../../../scripts/local-cloud/lambda-async.mjs';
import { createLambdaInvoker } from '../../../scripts/local-cloud/lambda-invoke.mjs';
import { waitFor } from '../../support/eventually.js';
import { freePort, startOfflineLambda } from './harness.js';

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

    const call = await waitFor(() => lambdaCalls.find((c) => c.event.id === eventId));
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

    const message = await waitFor(() =>
      sqsCalls.find((c) => c.queueArn === ORDERS_QUEUE && JSON.parse(c.body).id === eventId),
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
    const call = await waitFor(() => lambdaCalls.find((c) => c.event.id === eventId));
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
    await waitFor(() => lambdaCalls.find((c) => c.event.id === marker));
    await waitFor(() =>
      sqsCalls.find((c) => c.queueArn === ORDERS_QUEUE && JSON.parse(c.body).id === marker),
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
    await waitFor(() => lambdaCalls.find((c) => c.event.id === accepted));
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

  it('retries a target it cannot deliver to, then sends the event to its DLQ; drops after retries without a DLQ', async () => {
    const response = await client.send(
      new PutEventsCommand({ Entries: [entry('OrderCancelled', { orderId: 'o-4' })] }),
    );
    const eventId = response.Entries?.[0]?.EventId;

    const dead = await waitFor(() =>
      sqsCalls.find((c) => c.queueArn === DLQ && JSON.parse(c.body).id === eventId),
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

    await waitFor(() =>
      logs.find(
        (l) => l.level === 'error' && l.message.includes(`event ${eventId} dropped after 2 attempt(s)`),
      ),
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
    await waitFor(() => lambdaCalls.find((c) => c.event.id === afterId));
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

describe('rule → Lambda is an asynchronous invocation (Lambda retries function errors, then its destination)', () => {
  // A short spacing for the test; the functions' timeout of 0.5 s keeps it above the timeout + 1 s floor.
  const SPACING_SECONDS = [1.5, 2];
  const TIMEOUT_SECONDS = 0.5;
  const calls: { functionKey: string; event: AwsEvent; at: number }[] = [];
  const asyncLogs: string[] = [];
  let sqsServer: FauxqsServer;
  let sqs: SQSClient;
  let offline: Awaited<ReturnType<typeof startOfflineLambda>>;
  let lambda: ReturnType<typeof createLambdaInvoker>;
  let asyncLambda: ReturnType<typeof createAsyncInvoker>;
  let asyncBus: Awaited<ReturnType<typeof startEventBus>>;
  let destination: { queueUrl: string; queueArn: string };
  let ruleDlq: { queueUrl: string; queueArn: string };

  const functionArn = (key: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:svc-test-${key}`;
  const recordCall = (functionKey: string) => (event: unknown) => {
    calls.push({ functionKey, event: event as AwsEvent, at: Date.now() });
  };
  const settings: Record<string, Partial<AsyncFunctionConfig>> = {
    throws: {},
    flaky: {},
    noDestination: { onFailureArn: undefined },
    noRetries: { maximumRetryAttempts: 0 },
    hangs: {},
    expires: { maximumEventAgeSeconds: 1 },
  };

  async function receiveAll(queueUrl: string) {
    const response = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    return response.Messages ?? [];
  }

  async function publish(functionKey: string, detail: Record<string, unknown> = {}) {
    const response = await asyncClient.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'commerce.orders', DetailType: `Test-${functionKey}`, Detail: JSON.stringify(detail) },
        ],
      }),
    );
    return response.Entries?.[0]?.EventId as string;
  }

  /** The invocation record that reaches the destination for an event (the queue holds one per failed event). */
  const records: Record<string, unknown>[] = [];
  async function recordFor(eventId: string, timeoutMs = 20_000) {
    return waitFor(async () => {
      for (const message of await receiveAll(destination.queueUrl)) {
        records.push(JSON.parse(message.Body ?? '{}'));
      }
      return records.find((record) => (record.requestPayload as AwsEvent | undefined)?.id === eventId);
    }, timeoutMs);
  }

  let asyncClient: EventBridgeClient;

  beforeAll(async () => {
    sqsServer = await startLocalSqs({ port: 0, logger: false });
    sqs = new SQSClient({
      endpoint: `http://127.0.0.1:${sqsServer.port}`,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    destination = sqsServer.createQueue('orders-events-dlq');
    ruleDlq = sqsServer.createQueue('rule-target-dlq');
    const failures = new Map<string, number>();
    offline = await startOfflineLambda(await freePort(), {
      throws: {
        timeoutSeconds: TIMEOUT_SECONDS,
        handler: async (event) => {
          recordCall('throws')(event);
          throw new Error('cannot apply OrderCancelled');
        },
      },
      flaky: {
        timeoutSeconds: TIMEOUT_SECONDS,
        handler: async (event) => {
          recordCall('flaky')(event);
          const id = (event as AwsEvent).id;
          failures.set(id, (failures.get(id) ?? 0) + 1);
          if (failures.get(id) === 1) throw new Error('first attempt fails');
        },
      },
      noDestination: {
        timeoutSeconds: TIMEOUT_SECONDS,
        handler: async (event) => {
          recordCall('noDestination')(event);
          throw new Error('lost');
        },
      },
      noRetries: {
        timeoutSeconds: TIMEOUT_SECONDS,
        handler: async (event) => {
          recordCall('noRetries')(event);
          throw new Error('once only');
        },
      },
      hangs: {
        timeoutSeconds: TIMEOUT_SECONDS,
        handler: async (event) => {
          recordCall('hangs')(event);
          await new Promise((resolve) => setTimeout(resolve, 1_500));
        },
      },
      expires: {
        timeoutSeconds: TIMEOUT_SECONDS,
        handler: async (event) => {
          recordCall('expires')(event);
          throw new Error('too late anyway');
        },
      },
    });
    lambda = createLambdaInvoker({
      endpoint: offline.endpoint,
      region: REGION,
      // `missing` is declared to the local cloud but not served by the Lambda endpoint: a delivery failure.
      functionOf: (key) => (key === 'missing' ? { name: 'svc-test-missing' } : offline.functionOf(key)),
    });
    asyncLambda = createAsyncInvoker({
      invoke: (key, event) => lambda.invoke(key, event),
      configOf: (key) =>
        key in settings || key === 'missing'
          ? {
              functionArn: functionArn(key),
              timeoutSeconds: TIMEOUT_SECONDS,
              maximumRetryAttempts: 2,
              maximumEventAgeSeconds: 3600,
              onFailureArn: destination.queueArn,
              ...settings[key],
            }
          : undefined,
      sendToDestination: async (arn, record) => {
        expect(arn).toBe(destination.queueArn);
        await sqs.send(
          new SendMessageCommand({ QueueUrl: destination.queueUrl, MessageBody: JSON.stringify(record) }),
        );
      },
      retryDelaysSeconds: SPACING_SECONDS,
      log: (level, message) => {
        asyncLogs.push(`${level}: ${message}`);
      },
    });
    asyncBus = await startEventBus({
      port: 0,
      region: REGION,
      accountId: ACCOUNT,
      retryBaseDelayMs: 5,
      rules: [...Object.keys(settings), 'missing'].map((key) => ({
        name: `to-${key}`,
        eventBusName: 'default',
        eventPattern: { 'detail-type': [`Test-${key}`] },
        targets: [
          {
            id: key,
            kind: 'lambda',
            functionKey: key,
            deadLetterQueueArn: ruleDlq.queueArn,
            maximumRetryAttempts: 1,
          },
        ],
      })),
      deliver: {
        lambda: (key, event) => asyncLambda.invokeAsync(key, event),
        async sqs(queueArn, body, opts) {
          expect(queueArn).toBe(ruleDlq.queueArn);
          await sqs.send(
            new SendMessageCommand({
              QueueUrl: ruleDlq.queueUrl,
              MessageBody: body,
              MessageAttributes: opts.messageAttributes,
            }),
          );
        },
      },
      log: () => {},
    });
    asyncClient = new EventBridgeClient({
      endpoint: asyncBus.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    asyncClient?.destroy();
    await asyncBus?.stop();
    await asyncLambda?.stop();
    lambda?.destroy();
    await offline?.stop();
    sqs?.destroy();
    await sqsServer?.stop();
  });

  const callsOf = (eventId: string) => calls.filter((call) => call.event.id === eventId);

  it('(a) retries a throwing function twice, spaced as configured, then sends the AWS invocation record to its destination', async () => {
    const eventId = await publish('throws', { orderId: 'o-async' });
    const record = await recordFor(eventId);

    const attempts = callsOf(eventId);
    expect(attempts).toHaveLength(3);
    // Lambda's spacing (lower bounds only: a retry never comes sooner than its delay).
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(1_500);
    expect((attempts[2]?.at ?? 0) - (attempts[1]?.at ?? 0)).toBeGreaterThanOrEqual(2_000);
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: `${functionArn('throws')}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: attempts[0]?.event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: 'Error',
        errorMessage: 'cannot apply OrderCancelled',
        trace: expect.any(Array),
      },
    });
    expect((record.requestPayload as AwsEvent).detail).toEqual({ orderId: 'o-async' });
    // The function's error never was the rule target's: nothing reached the rule's dead-letter queue.
    expect(await receiveAll(ruleDlq.queueUrl)).toEqual([]);
  });

  it('a function that fails once and then succeeds is invoked twice and leaves no record', async () => {
    const eventId = await publish('flaky');
    await waitFor(() =>
      asyncLogs.find((line) => line.includes(eventId) && line.includes('succeeded on attempt 2')),
    );
    expect(callsOf(eventId)).toHaveLength(2);
    // The retry loop is over, so a record would already be there.
    for (const message of await receiveAll(destination.queueUrl))
      records.push(JSON.parse(message.Body ?? '{}'));
    expect(records.some((record) => (record.requestPayload as AwsEvent).id === eventId)).toBe(false);
  });

  it('with maximumRetryAttempts 0 the first failure is final', async () => {
    const eventId = await publish('noRetries');
    const record = await recordFor(eventId);
    expect(callsOf(eventId)).toHaveLength(1);
    expect(record).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 },
    });
  });

  it('a timeout is a function error: retried, then recorded as Sandbox.Timedout', async () => {
    const eventId = await publish('hangs');
    const record = await recordFor(eventId);
    expect(callsOf(eventId)).toHaveLength(3);
    expect(record).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      responsePayload: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 0.50 seconds' },
    });
  });

  it('an event older than maximumEventAge when its retry comes is given up on with EventAgeExceeded', async () => {
    const eventId = await publish('expires');
    const record = await recordFor(eventId);
    expect(callsOf(eventId)).toHaveLength(1);
    expect(record).toMatchObject({
      requestContext: { condition: 'EventAgeExceeded', approximateInvokeCount: 1 },
    });
  });

  it('without an on-failure destination the event is dropped with an error log line', async () => {
    const eventId = await publish('noDestination');
    const line = await waitFor(() =>
      asyncLogs.find(
        (entry) => entry.startsWith('error:') && entry.includes(eventId) && entry.includes('dropped'),
      ),
    );
    expect(line).toContain('no on-failure destination');
    expect(callsOf(eventId)).toHaveLength(3);
  });

  it('a delivery failure (no such function) is the rule target’s: its retries, then its DLQ with the raw event', async () => {
    const eventId = await publish('missing', { orderId: 'o-missing' });
    const dead = await waitFor(async () => {
      const messages = await receiveAll(ruleDlq.queueUrl);
      return messages.find((message) => JSON.parse(message.Body ?? '{}').id === eventId);
    });
    expect(JSON.parse(dead.Body ?? '{}')).toMatchObject({ id: eventId, detail: { orderId: 'o-missing' } });
    expect(dead.MessageAttributes?.RULE_ARN?.StringValue).toBe(
      `arn:aws:events:${REGION}:${ACCOUNT}:rule/to-missing`,
    );
    expect(dead.MessageAttributes?.RETRY_ATTEMPTS?.StringValue).toBe('1');
    expect(dead.MessageAttributes?.ERROR_MESSAGE?.StringValue).toContain('svc-test-missing');
  });
});

describe('schedule rules', () => {
  it('fire a Scheduled Event at their targets every period', async () => {
    const delivered: AwsEvent[] = [];
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const scheduled = await startEventBus({
      port: 0,
      region: REGION,
      accountId: ACCOUNT,
      rules: [
        {
          name: 'sweep',
          eventBusName: 'default',
          scheduleExpression: 'rate(1 minute)',
          targets: [{ id: 'sweeper', kind: 'lambda', functionKey: 'sweeper' }],
        },
      ],
      deliver: {
        async lambda(_key, event) {
          delivered.push(event as AwsEvent);
          return { ok: true };
        },
        sqs: async () => {},
      },
      log: () => {},
    });
    try {
      vi.advanceTimersByTime(59_000);
      expect(delivered).toEqual([]);
      vi.advanceTimersByTime(1_000);
      await waitFor(() => delivered.length === 1);
      expect(delivered[0]).toEqual({
        version: '0',
        id: expect.any(String),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: ACCOUNT,
        time: expect.stringMatching(/Z$/),
        region: REGION,
        resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/sweep`],
        detail: {},
      });
      vi.advanceTimersByTime(60_000);
      await waitFor(() => delivered.length === 2);
    } finally {
      await scheduled.stop();
      vi.useRealTimers();
    }
  });

  it('accept only rate expressions AWS accepts', () => {
    expect(ratePeriodMs('rate(1 minute)')).toBe(60_000);
    expect(ratePeriodMs('rate(5 minutes)')).toBe(300_000);
    expect(ratePeriodMs('rate(2 hours)')).toBe(7_200_000);
    expect(ratePeriodMs('rate(1 day)')).toBe(86_400_000);
    expect(ratePeriodMs('rate(1 minutes)')).toBeUndefined();
    expect(ratePeriodMs('rate(0 minutes)')).toBeUndefined();
    expect(ratePeriodMs('cron(0 12 * * ? *)')).toBeUndefined();
  });
});
