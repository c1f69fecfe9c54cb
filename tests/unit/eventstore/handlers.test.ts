import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.EVENT_STORE_TABLE_NAME = 'commerce-test-event-store-v2';
});

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as listEvents } from '../../../functions/eventstore/list-events.js';
import { handler as appendEvent } from '../../../functions/eventstore/on-bus-events.js';
import { queueBatch } from '../shared/bus-events.js';
import { fakeContext, httpEvent } from '../shared/lambda-fakes.js';
import { sampleEvent } from './fakes.js';

const ddb = mockClient(DynamoDBDocumentClient);
const ADMIN = { sub: 'bob', 'cognito:groups': ['admin'] };

beforeEach(() => {
  ddb.reset();
});

async function get(query: Record<string, string>, claims: Record<string, unknown> = ADMIN) {
  const result = await listEvents(
    httpEvent({ path: '/admin/events', queryStringParameters: query, claims: claims as any }),
    fakeContext(),
  );
  return {
    status: result.statusCode,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: JSON.parse(String(result.body)),
  };
}

describe('eventStoreAppendEvent (a batch of every commerce.* event, from its queue)', () => {
  it('appends each event of the batch with one conditional put, and no idempotency-table traffic', async () => {
    ddb.on(PutCommand).resolves({});
    const result = await appendEvent(
      queueBatch(sampleEvent('PaymentAuthorized'), sampleEvent('OrderPlaced')),
      fakeContext(),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb.calls()).toHaveLength(2);
    expect(ddb.commandCalls(PutCommand).map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({
        TableName: 'commerce-test-event-store-v2',
        ConditionExpression: expect.stringContaining('attribute_not_exists'),
        Item: expect.objectContaining({
          eventType: 'PaymentAuthorized',
          event: sampleEvent('PaymentAuthorized'),
        }),
      }),
      expect.objectContaining({
        Item: expect.objectContaining({ eventType: 'OrderPlaced', event: sampleEvent('OrderPlaced') }),
      }),
    ]);
  });

  it('acknowledges a redelivery: the event is already stored, nothing is written twice', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    const result = await appendEvent(queueBatch(sampleEvent('PaymentAuthorized')), fakeContext());
    expect(result).toEqual({ batchItemFailures: [] });
  });

  it('fails only the record without envelope metadata (retried, then moved to its DLQ); the others are stored', async () => {
    ddb.on(PutCommand).resolves({});
    const { detail: _detail, ...broken } = sampleEvent('PaymentAuthorized');
    const result = await appendEvent(queueBatch(sampleEvent('OrderPlaced'), broken), fakeContext());
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-2' }] });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(1);
  });

  it('fails only the record whose put fails, so that one alone comes back', async () => {
    ddb
      .on(PutCommand)
      .resolvesOnce({})
      .rejectsOnce(new Error('ProvisionedThroughputExceededException'))
      .resolves({});
    const result = await appendEvent(
      queueBatch(sampleEvent('OrderPlaced'), sampleEvent('PaymentAuthorized'), sampleEvent('OrderConfirmed')),
      fakeContext(),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-2' }] });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(3);
  });
});

describe('GET /admin/events', () => {
  it('answers an admin with the stored bus events of a correlation id', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ eventId: 'e1', event: sampleEvent('OrderPlaced') }] });
    const response = await get({ correlationId: 'req-4e2b' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ items: [sampleEvent('OrderPlaced')], nextCursor: null });
  });

  it('refuses a customer with 403', async () => {
    const response = await get({ correlationId: 'req-4e2b' }, { sub: 'alice' });
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers 400 problems for a missing or double filter, a bad limit and a bad cursor', async () => {
    const queries: Record<string, string>[] = [
      {},
      { correlationId: 'req-4e2b', aggregateId: 'ord-7f3c2a' },
      { aggregateId: 'ord-7f3c2a', limit: '500' },
      { aggregateId: 'ord-7f3c2a', cursor: 'not-a-cursor' },
    ];
    for (const query of queries) {
      const response = await get(query);
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect(response.headers['content-type']).toBe('application/problem+json');
    }
    expect((await get({})).body.errors).toEqual([
      { path: 'correlationId', message: expect.any(String) },
      { path: 'aggregateId', message: expect.any(String) },
    ]);
    expect(ddb.calls()).toHaveLength(0);
  });
});
