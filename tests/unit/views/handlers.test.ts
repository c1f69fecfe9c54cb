import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.VIEWS_TABLE_NAME = 'commerce-test-views';
  // deliberately unset: the projector must not use the idempotency table
  delete process.env.IDEMPOTENCY_TABLE_NAME;
});

import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as listOrders } from '../../../functions/views/list-orders.js';
import { handler as projectOrders } from '../../../functions/views/on-order-events.js';
import { queueBatch } from '../shared/bus-events.js';
import { fakeContext, httpEvent } from '../shared/lambda-fakes.js';
import { orderEvents, T } from './fakes.js';

const ddb = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  ddb.reset();
});

async function get(query: Record<string, string> | undefined, claims: Record<string, string> | undefined) {
  const result = await listOrders(
    httpEvent({
      path: '/orders',
      ...(claims ? { claims } : {}),
      ...(query ? { queryStringParameters: query } : {}),
    }),
    fakeContext(),
  );
  return {
    status: result.statusCode,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: typeof result.body === 'string' ? JSON.parse(result.body) : undefined,
  };
}

describe('GET /orders', () => {
  it('answers a page of the caller’s orders, 20 by default', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    const response = await get(undefined, { sub: 'alice' });

    expect(response).toMatchObject({ status: 200, body: { items: [], nextCursor: null } });
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      ExpressionAttributeValues: { ':partition': 'alice' },
      Limit: 20,
    });
  });

  it.each([
    ['limit=0', { limit: '0' }, 'limit'],
    ['limit=101', { limit: '101' }, 'limit'],
    ['limit=ten', { limit: 'ten' }, 'limit'],
  ])('refuses %s with a 400 problem naming the field', async (_name, query, path) => {
    const response = await get(query, { sub: 'alice' });

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, errors: [{ path }] });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a forged cursor with a 400 problem', async () => {
    const response = await get({ cursor: 'eyJwayI6Ik9SREVSI3gifQ' }, { sub: 'alice' });

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body.detail).toContain('cursor');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a request without a caller with 401', async () => {
    expect((await get(undefined, undefined)).status).toBe(401);
  });
});

describe('viewsProjectOrders', () => {
  const busEvent = (detail: unknown) => ({
    version: '0',
    id: 'bus-1',
    'detail-type': 'OrderPlaced',
    source: 'commerce.orders',
    time: T.placed,
    detail,
  });

  it('re-applies an event it has seen before when the view is gone (a replay after a reset)', async () => {
    // given an empty views table, twice (wiped between the deliveries)
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    const event = busEvent(orderEvents().placed);

    // when the very same event (same event id) is delivered twice
    await projectOrders(queueBatch(event), fakeContext());
    await projectOrders(queueBatch(event), fakeContext());

    // then both deliveries write the entry: no idempotency record short-circuits the second one
    const puts = ddb.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(puts).toHaveLength(2);
    expect(puts[1]?.Item).toMatchObject({ pk: 'ORDER#ord-1', status: 'PENDING', createdAt: T.placed });
  });

  it('fails only the record whose event breaks its contract, so that one ends in the DLQ', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    const { placed } = orderEvents();
    const broken = { ...placed, data: { ...placed.data, items: [] } };

    const result = await projectOrders(queueBatch(busEvent(broken), busEvent(placed)), fakeContext());

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(1);
  });
});
