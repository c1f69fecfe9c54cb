import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeCursor, newestFirstPage, type TimeSortedIndex } from '../../../shared/dynamodb/cursor.js';
import { BadRequestError } from '../../../shared/errors.js';

const TABLE = 'commerce-test-things';

interface Thing {
  thingId: string;
  ownerId: string;
  at: string;
}

const thing: Thing = { thingId: 't-1', ownerId: 'alice', at: '2026-11-22T10:00:00.000Z' };
const lastKey = { pk: 'THING#t-1', ownerId: 'alice', at: thing.at };

/** An index of things by owner: a cursor is accepted only for the owner it was issued for. */
const byOwner: TimeSortedIndex<Thing> = {
  indexName: 'byOwner',
  partitionKey: 'ownerId',
  acceptFor: (ownerId) => (candidate) => (candidate?.ownerId === ownerId ? candidate : undefined),
  toItem: ({ pk: _pk, ...stored }) => stored as unknown as Thing,
};

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));

beforeEach(() => ddb.reset());

describe('newestFirstPage', () => {
  it('queries one partition of the index newest first and encodes where the page ended', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ pk: 'THING#t-1', ...thing }], LastEvaluatedKey: lastKey });

    const page = await newestFirstPage(client, TABLE, byOwner, 'alice', { limit: 1 });

    expect(page).toEqual({ items: [thing], nextCursor: encodeCursor(lastKey) });
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      IndexName: 'byOwner',
      KeyConditionExpression: '#partition = :partition',
      ExpressionAttributeNames: { '#partition': 'ownerId' },
      ExpressionAttributeValues: { ':partition': 'alice' },
      ScanIndexForward: false,
      Limit: 1,
      ExclusiveStartKey: undefined,
    });
  });

  it('continues from the key a cursor of the same partition encodes', async () => {
    ddb.on(QueryCommand).resolves({});

    const page = await newestFirstPage(client, TABLE, byOwner, 'alice', {
      limit: 5,
      cursor: encodeCursor(lastKey) ?? undefined,
    });

    expect(page).toEqual({ items: [], nextCursor: null });
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual(lastKey);
  });

  it('refuses, before querying, a cursor the acceptor of this partition does not accept', async () => {
    const cursorOfBob = encodeCursor({ ...lastKey, ownerId: 'bob' }) ?? undefined;

    const attempt = newestFirstPage(client, TABLE, byOwner, 'alice', { limit: 1, cursor: cursorOfBob });

    await expect(attempt).rejects.toBeInstanceOf(BadRequestError);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});
