import { EventBridgeClient, PutEventsCommand, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProductCreatedV1 } from '../../../events/catalog/index.js';
import { createEnvelope, type EventEnvelope } from '../../../events/envelope.js';
import { outboxPut } from '../../../shared/outbox/record.js';
import { type RelayOptions, relayOutbox } from '../../../shared/outbox/relay.js';

const BUS = 'commerce-test-bus';
const SOURCE = 'commerce.catalog';
const TABLE = 'commerce-test-catalog';

const eventBridge = mockClient(EventBridgeClient);

function envelope(n: number): EventEnvelope {
  return createEnvelope(
    ProductCreatedV1,
    {
      productId: `product-${n}`,
      name: `Product ${n}`,
      description: '',
      price: { amount: 100 * n, currency: 'EUR' },
      createdAt: '2026-11-22T09:59:00.000Z',
    },
    { correlationId: `corr-${n}`, causationId: `corr-${n}` },
    { eventId: `evt-${n}`, now: new Date('2026-11-22T09:59:00.000Z') },
  );
}

type StreamImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

function streamRecord(
  sequenceNumber: string,
  item: Record<string, unknown>,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT',
): DynamoDBRecord {
  const image = marshall(item, { removeUndefinedValues: true }) as unknown as StreamImage;
  return {
    eventID: `stream-${sequenceNumber}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      Keys: marshall({ pk: item.pk, sk: item.sk }) as unknown as StreamImage,
      ...(eventName === 'REMOVE' ? { OldImage: image } : { NewImage: image }),
      SequenceNumber: sequenceNumber,
      SizeBytes: 100,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${TABLE}/stream/2026-11-22T00:00:00.000`,
  };
}

/** A stream record of exactly what the repository writes to the outbox. */
function outboxRecord(n: number, eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT'): DynamoDBRecord {
  return streamRecord(seq(n), outboxPut(TABLE, SOURCE, envelope(n)).Put.Item as never, eventName);
}

const seq = (n: number) => String(1_000_000 + n);
const streamEvent = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

function sentEntries() {
  return eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
}
const sentIds = () =>
  sentEntries().map((entries) => entries.map((entry) => JSON.parse(entry.Detail ?? '{}').metadata.eventId));

/** Answers PutEvents like EventBridge: one result per entry, failing the entries `fails` picks. */
function answerWith(fails: (eventId: string, call: number) => boolean) {
  let call = 0;
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: { Detail: string }[] }) => {
    call += 1;
    const Entries: PutEventsResultEntry[] = input.Entries.map((entry) => {
      const eventId = JSON.parse(entry.Detail).metadata.eventId as string;
      return fails(eventId, call)
        ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure' }
        : { EventId: `bus-${eventId}` };
    });
    return { FailedEntryCount: Entries.filter((e) => e.ErrorCode).length, Entries };
  });
}

/** Runs the relay to completion, letting its back-off sleeps pass instantly. */
async function relay(event: DynamoDBStreamEvent, options?: RelayOptions) {
  const result = relayOutbox(event, options);
  await vi.runAllTimersAsync();
  return result;
}

beforeEach(() => {
  eventBridge.reset();
  vi.useFakeTimers();
  vi.stubEnv('EVENT_BUS_NAME', BUS);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe('relayOutbox', () => {
  it('publishes an inserted outbox record to the bus as its envelope, with source and detail type', async () => {
    // given one new outbox record
    answerWith(() => false);

    // when the stream delivers it
    const result = await relay(streamEvent(outboxRecord(1)));

    // then one PutEvents carries it to the configured bus
    expect(sentEntries()).toHaveLength(1);
    const [entry] = sentEntries()[0] ?? [];
    expect(entry).toEqual({
      EventBusName: BUS,
      Source: SOURCE,
      DetailType: 'ProductCreated',
      Detail: expect.any(String),
      Time: new Date('2026-11-22T09:59:00.000Z'),
    });
    // and the detail is the stored envelope, still valid against its contract
    const detail = JSON.parse(entry?.Detail ?? '');
    expect(detail).toEqual(envelope(1));
    expect(ProductCreatedV1.envelopeSchema.parse(detail).metadata.correlationId).toBe('corr-1');
    expect(result).toEqual({ batchItemFailures: [] });
  });

  it('publishes each event into the trace of the invocation that stored it, not a trace of its own', async () => {
    // given two events stored by two invocations, each with the trace header Lambda gave it
    answerWith(() => false);
    const traceOf = (n: number) =>
      `Root=1-6740e1c0-00000000000000000000000${n};Parent=000000000000000${n};Sampled=1`;
    vi.stubEnv('_X_AMZN_TRACE_ID', traceOf(1));
    const first = outboxRecord(1);
    vi.stubEnv('_X_AMZN_TRACE_ID', traceOf(2));
    const second = outboxRecord(2);
    // and the relay itself running outside any trace (a stream carries none)
    vi.stubEnv('_X_AMZN_TRACE_ID', '');

    // when the stream delivers both in one batch
    await relay(streamEvent(first, second));

    // then each entry carries its own writer's trace header, which EventBridge hands to every target
    expect(sentEntries()[0]?.map((entry) => entry.TraceHeader)).toEqual([traceOf(1), traceOf(2)]);
  });

  it('publishes an event stored outside any trace without a trace header', async () => {
    answerWith(() => false);
    vi.stubEnv('_X_AMZN_TRACE_ID', '');

    await relay(streamEvent(outboxRecord(1)));

    expect(sentEntries()[0]?.[0]).not.toHaveProperty('TraceHeader');
  });

  it('fails loudly without EVENT_BUS_NAME (a deployment bug), instead of publishing to the default bus', async () => {
    // given no bus configured
    vi.stubEnv('EVENT_BUS_NAME', '');
    answerWith(() => false);

    // when a record arrives
    const attempt = relayOutbox(streamEvent(outboxRecord(1)));

    // then the invocation fails and nothing is sent
    await expect(attempt).rejects.toThrow(/EVENT_BUS_NAME/);
    expect(sentEntries()).toHaveLength(0);
  });

  it('ignores modifications, removals (TTL expiry) and items that are not outbox records', async () => {
    // given a batch mixing a product write, an outbox update, an outbox expiry and one new outbox record
    answerWith(() => false);
    const productInsert = streamRecord('900', {
      pk: 'PRODUCT#cup',
      sk: 'PRODUCT',
      entityType: 'PRODUCT',
      productId: 'cup',
    });

    // when the stream delivers the batch
    const result = await relay(
      streamEvent(productInsert, outboxRecord(1, 'MODIFY'), outboxRecord(2, 'REMOVE'), outboxRecord(3)),
    );

    // then only the new outbox record is published
    expect(sentIds()).toEqual([['evt-3']]);
    expect(result).toEqual({ batchItemFailures: [] });
  });

  it('sends nothing when a batch holds no outbox inserts', async () => {
    // given only a modification
    answerWith(() => false);

    // when it is delivered
    const result = await relay(streamEvent(outboxRecord(1, 'MODIFY')));

    // then EventBridge is not called
    expect(sentEntries()).toHaveLength(0);
    expect(result).toEqual({ batchItemFailures: [] });
  });

  it('sends in chunks of at most ten entries, in stream order', async () => {
    // given 23 new outbox records
    answerWith(() => false);
    const records = Array.from({ length: 23 }, (_, i) => outboxRecord(i + 1));

    // when they are delivered in one batch
    const result = await relay(streamEvent(...records));

    // then three PutEvents of 10, 10 and 3 entries carry them all, in order
    expect(sentEntries().map((entries) => entries.length)).toEqual([10, 10, 3]);
    expect(sentIds().flat()).toEqual(records.map((_, i) => `evt-${i + 1}`));
    expect(result).toEqual({ batchItemFailures: [] });
  });

  it('retries an entry that failed once and then reports nothing failed', async () => {
    // given EventBridge rejects the second entry on the first attempt only
    answerWith((eventId, call) => eventId === 'evt-2' && call === 1);

    // when three records are delivered
    const result = await relay(streamEvent(outboxRecord(1), outboxRecord(2), outboxRecord(3)));

    // then only the failed entry is sent again, and the batch succeeds
    expect(sentIds()).toEqual([['evt-1', 'evt-2', 'evt-3'], ['evt-2']]);
    expect(result).toEqual({ batchItemFailures: [] });
  });

  it('retries with the exact response shape of a single failed entry', async () => {
    // given the literal EventBridge answer for one failed entry, then success
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-1' }] });

    // when one record is delivered
    const result = await relay(streamEvent(outboxRecord(1)));

    // then it was sent twice and is not reported
    expect(sentIds()).toEqual([['evt-1'], ['evt-1']]);
    expect(result).toEqual({ batchItemFailures: [] });
  });

  it('backs off between attempts instead of hammering EventBridge', async () => {
    // given an entry that keeps failing
    answerWith(() => true);

    // when the relay runs, time moving only as the test says
    const result = relayOutbox(streamEvent(outboxRecord(1)));
    await vi.advanceTimersByTimeAsync(0);
    const afterFirst = sentEntries().length;
    await vi.advanceTimersByTimeAsync(399);
    const before400ms = sentEntries().length;
    await vi.advanceTimersByTimeAsync(1);
    const at400ms = sentEntries().length;
    await vi.runAllTimersAsync();
    await result;

    // then the second attempt waits 400 ms, and four attempts are made in all
    expect([afterFirst, before400ms, at400ms]).toEqual([1, 1, 2]);
    expect(sentEntries()).toHaveLength(4);
  });

  it('reports an entry that keeps failing as the first unpublished record, never dropping it', async () => {
    // given EventBridge always rejects the second of three entries
    answerWith((eventId) => eventId === 'evt-2');

    // when the batch is delivered
    const result = await relay(streamEvent(outboxRecord(1), outboxRecord(2), outboxRecord(3)));

    // then it was attempted four times, and the stream is told to redeliver from it on
    expect(sentIds()).toEqual([['evt-1', 'evt-2', 'evt-3'], ['evt-2'], ['evt-2'], ['evt-2']]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: seq(2) }] });
  });

  it('reports the earliest unpublished record when several keep failing across chunks', async () => {
    // given 14 records of which the 12th and 4th always fail (second and first chunk)
    answerWith((eventId) => eventId === 'evt-12' || eventId === 'evt-4');
    const records = Array.from({ length: 14 }, (_, i) => outboxRecord(i + 1));

    // when they are delivered
    const result = await relay(streamEvent(...records));

    // then redelivery starts at the 4th record, which covers the 12th too
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: seq(4) }] });
  });

  it('treats a PutEvents call that throws as a failure of its whole chunk', async () => {
    // given EventBridge is unreachable for the whole invocation
    eventBridge.on(PutEventsCommand).rejects(new Error('socket hang up'));

    // when two records are delivered
    const result = await relay(streamEvent(outboxRecord(1), outboxRecord(2)));

    // then both were attempted four times and redelivery starts at the first
    expect(sentEntries()).toHaveLength(4);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
  });

  describe('events carried by state items themselves (derive)', () => {
    /** A state item whose stream record carries its own event, derived from what was stored. */
    const counter = (n: number) => ({ pk: 'COUNTER#a', sk: 'COUNTER', entityType: 'COUNTER', value: n });
    const derive: RelayOptions['derive'] = (image) =>
      image.entityType === 'COUNTER'
        ? [{ source: 'commerce.counters', envelope: envelope(Number(image.value)) }]
        : [];

    it('publishes what derive finds in inserted and modified items, in stream order with outbox events', async () => {
      // given a counter created, an outbox record, the counter modified, and an item derive ignores
      answerWith(() => false);
      const records = [
        streamRecord('901', counter(5)),
        outboxRecord(1),
        streamRecord('902', counter(6), 'MODIFY'),
        streamRecord('903', { pk: 'OTHER#x', sk: 'OTHER', entityType: 'OTHER' }, 'MODIFY'),
      ];

      // when the stream delivers them
      const result = await relay(streamEvent(...records), { derive });

      // then the derived events go out with their own source, beside the outbox event
      expect(sentIds()).toEqual([['evt-5', 'evt-1', 'evt-6']]);
      const [first] = sentEntries()[0] ?? [];
      expect(first).toMatchObject({ Source: 'commerce.counters', DetailType: 'ProductCreated' });
      expect(result).toEqual({ batchItemFailures: [] });
    });

    it('never derives from outbox records or removals, and not at all without derive', async () => {
      answerWith(() => false);
      const everything: RelayOptions['derive'] = () => [{ source: 'commerce.x', envelope: envelope(9) }];

      await relay(streamEvent(outboxRecord(1, 'MODIFY'), streamRecord('904', counter(1), 'REMOVE')), {
        derive: everything,
      });
      await relay(streamEvent(streamRecord('905', counter(2), 'MODIFY')));

      expect(sentEntries()).toHaveLength(0);
    });

    it('reports a derived event that keeps failing by its record, for the stream to redeliver', async () => {
      answerWith((eventId) => eventId === 'evt-7');

      const result = await relay(
        streamEvent(outboxRecord(1), streamRecord('906', counter(7), 'MODIFY'), outboxRecord(2)),
        { derive },
      );

      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '906' }] });
    });
  });

  it('recovers when a throwing PutEvents succeeds on retry', async () => {
    // given one throttled call, then success
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(new Error('ThrottlingException'))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }, { EventId: 'b' }] });

    // when two records are delivered
    const result = await relay(streamEvent(outboxRecord(1), outboxRecord(2)));

    // then both were resent together and nothing is reported
    expect(sentIds()).toEqual([
      ['evt-1', 'evt-2'],
      ['evt-1', 'evt-2'],
    ]);
    expect(result).toEqual({ batchItemFailures: [] });
  });
});
