import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DynamoDbEventStore,
  encodeEventCursor,
  orderingKeyOf,
} from '../../../domains/eventstore/adapters/dynamodb-event-store.js';
import { toStoredEvent } from '../../../domains/eventstore/model.js';
import { BadRequestError } from '../../../shared/errors.js';
import { sampleEvent } from './fakes.js';

const TABLE = 'commerce-test-event-store-v2';
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const store = new DynamoDbEventStore(client, TABLE);

const placed = sampleEvent('OrderPlaced');
const EVENT_ID = placed.detail.metadata.eventId;
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeEach(() => {
  ddb.reset();
});

describe('append', () => {
  it('puts one item per event, keyed by its correlation id and ordering key, only if the key is new', async () => {
    // given DynamoDB accepts the write
    ddb.on(PutCommand).resolves({});

    // when OrderPlaced is appended
    const outcome = await store.append(toStoredEvent(placed));

    // then one conditional put carries the event unchanged and the attributes replay scans for
    expect(outcome).toBe('appended');
    expect(ddb.calls()).toHaveLength(1);
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(correlationId)',
      // the attribute names themselves are pinned by the use case tests
      Item: { ...toStoredEvent(placed), occurredAtEventId: `2026-11-22T10:00:00.000Z#${EVENT_ID}` },
    });
  });

  it('answers duplicate when the event id is stored already, and writes nothing else', async () => {
    // given the condition fails: this event was stored by an earlier delivery
    ddb
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    // when it is appended again
    const outcome = await store.append(toStoredEvent(placed));

    // then it is a no-op, not an error (the delivery succeeds and is not retried)
    expect(outcome).toBe('duplicate');
    expect(ddb.calls()).toHaveLength(1);
  });

  it('lets other failures through, so the delivery is retried', async () => {
    ddb.on(PutCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    await expect(store.append(toStoredEvent(placed))).rejects.toThrow('ProvisionedThroughput');
  });
});

describe('orderingKeyOf', () => {
  it('sorts by the instant in UTC, whatever offset or precision occurredAt was written with', () => {
    expect(orderingKeyOf('2026-11-22T11:00:00+01:00', 'e1')).toBe('2026-11-22T10:00:00.000Z#e1');
    expect(orderingKeyOf('2026-11-22T10:00:00Z', 'e1')).toBe('2026-11-22T10:00:00.000Z#e1');
    const keys = [
      orderingKeyOf('2026-11-22T10:00:01.000Z', 'a'),
      orderingKeyOf('2026-11-22T10:00:00.500Z', 'z'),
      orderingKeyOf('2026-11-22T10:00:00.500Z', 'b'),
    ];
    expect([...keys].sort()).toEqual([keys[2], keys[1], keys[0]]);
  });
});

describe('find', () => {
  const item = (eventId: string) => ({
    ...toStoredEvent(placed),
    eventId,
    event: { ...placed, id: eventId },
  });

  it.each([
    ['correlationId', 'req-4e2b', 'the table itself', {}],
    ['aggregateId', 'ord-7f3c2a', 'the byAggregate index', { IndexName: 'byAggregate' }],
  ] as const)('queries by %s on %s, oldest first', async (by, value, _, index) => {
    // given the index holds two events
    ddb.on(QueryCommand).resolves({ Items: [item('e1'), item('e2')] });

    // when they are looked up
    const page = await store.find({ by, value }, { limit: 20 });

    // then the right key is asked, ascending on occurredAt#eventId, and the stored bus events come back
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      ...index,
      KeyConditionExpression: '#filter = :value',
      ExpressionAttributeNames: { '#filter': by },
      ExpressionAttributeValues: { ':value': value },
      ScanIndexForward: true,
      Limit: 20,
      ExclusiveStartKey: undefined,
    });
    expect(page).toEqual({
      items: [
        { ...placed, id: 'e1' },
        { ...placed, id: 'e2' },
      ],
      nextCursor: null,
    });
  });

  it('turns LastEvaluatedKey into an opaque cursor that resumes the same query', async () => {
    // given a first page that stops before the end
    const lastKey = { correlationId: 'req-4e2b', occurredAtEventId: '2026-11-22T10:00:00.000Z#e2' };
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item('e1'), item('e2')], LastEvaluatedKey: lastKey })
      .resolves({});

    // when the next page is asked for with the cursor
    const first = await store.find({ by: 'correlationId', value: 'req-4e2b' }, { limit: 2 });
    await store.find(
      { by: 'correlationId', value: 'req-4e2b' },
      { limit: 2, cursor: first.nextCursor as string },
    );

    // then the cursor is not the raw key, and DynamoDB continues after it
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(first.nextCursor).not.toContain('req-4e2b');
    expect(ddb.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual(lastKey);
  });

  const byAggregate = { by: 'aggregateId', value: 'ord-1' } as const;
  const byCorrelation = { by: 'correlationId', value: 'req-4e2b' } as const;
  /** A key each lookup's query could have returned as its LastEvaluatedKey. */
  const valid = {
    aggregateId: {
      correlationId: 'req-9',
      aggregateId: 'ord-1',
      occurredAtEventId: '2026-11-22T10:00:00.000Z#e2',
    },
    correlationId: { correlationId: 'req-4e2b', occurredAtEventId: '2026-11-22T10:00:00.000Z#e2' },
  };
  it.each([
    [byAggregate, 'not base64 JSON', '%%%'],
    [byAggregate, 'JSON but not an object', cursorOf('e2')],
    [byAggregate, 'from another aggregate', cursorOf({ ...valid.aggregateId, aggregateId: 'ord-2' })],
    [byAggregate, 'from a correlation lookup', cursorOf(valid.correlationId)],
    [
      byAggregate,
      'with an ordering key that is not one',
      cursorOf({ ...valid.aggregateId, occurredAtEventId: 'e2' }),
    ],
    [byAggregate, 'with extra keys', cursorOf({ ...valid.aggregateId, pk: 'x' })],
    [byAggregate, 'without the correlation id', cursorOf({ ...valid.aggregateId, correlationId: undefined })],
    [
      byCorrelation,
      'of another correlation',
      cursorOf({ ...valid.correlationId, correlationId: 'req-other' }),
    ],
    [byCorrelation, 'of an aggregate lookup', cursorOf({ ...valid.correlationId, aggregateId: 'ord-1' })],
  ])('by %o, refuses a cursor %s with a 400, without querying', async (filter, _, cursor) => {
    const attempt = store.find(filter, { limit: 20, cursor });
    await expect(attempt).rejects.toBeInstanceOf(BadRequestError);
    await expect(attempt).rejects.toMatchObject({ status: 400, message: expect.stringContaining('cursor') });
    expect(ddb.calls()).toHaveLength(0);
  });

  it.each([byAggregate, byCorrelation])('by %o, accepts the cursor it made', async (filter) => {
    ddb.on(QueryCommand).resolves({});
    const cursor = encodeEventCursor(valid[filter.by]) as string;
    await store.find(filter, { limit: 20, cursor });
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual(valid[filter.by]);
  });
});
