import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbCustomerRepository } from '../../../domains/customers/adapters/dynamodb-customer-repository.js';
import { type CustomerProfile, ProfileVersionConflict } from '../../../domains/customers/model.js';
import { CustomerProfileUpdatedV2 } from '../../../events/customers/index.js';
import { createEnvelope } from '../../../events/envelope.js';
import { transactionConflict } from '../shared/dynamodb-errors.js';

const TABLE = 'commerce-test-customers';
const T0 = new Date('2026-11-22T10:00:00.000Z');

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const repository = new DynamoDbCustomerRepository(client, TABLE, 'commerce.customers');

const profile = (overrides: Partial<CustomerProfile> = {}): CustomerProfile => ({
  customerId: 'alice',
  profileVersion: 1,
  createdAt: T0.toISOString(),
  updatedAt: T0.toISOString(),
  ...overrides,
});
const KEY = { pk: 'CUSTOMER#alice', sk: 'PROFILE' };

function cancelled(...codes: string[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

beforeEach(() => ddb.reset());

describe('get', () => {
  it('reads consistently by key and strips the storage keys', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...KEY, entityType: 'PROFILE', ...profile() } });

    expect(await repository.get('alice')).toEqual(profile());
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: KEY,
      ConsistentRead: true,
    });
  });

  it('returns undefined for a customer without a profile', async () => {
    ddb.on(GetCommand).resolves({});
    expect(await repository.get('bob')).toBeUndefined();
  });
});

describe('createIfAbsent', () => {
  it('puts the profile only if the customer has none', async () => {
    ddb.on(PutCommand).resolves({});

    expect(await repository.createIfAbsent(profile())).toEqual(profile());
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...KEY, entityType: 'PROFILE', ...profile() },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('returns the profile a concurrent first call stored, from the failed condition, without reading again', async () => {
    // given another call created alice's profile a moment earlier
    const winner = profile({ createdAt: '2026-11-22T09:59:59.000Z', updatedAt: '2026-11-22T09:59:59.000Z' });
    ddb.on(PutCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall({ ...KEY, entityType: 'PROFILE', ...winner }),
      }),
    );

    // when this call tries to create it too
    const stored = await repository.createIfAbsent(profile());

    // then it gets the winner's profile
    expect(stored).toEqual(winner);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('rethrows other failures', async () => {
    ddb.on(PutCommand).rejects(new Error('throttled'));
    await expect(repository.createIfAbsent(profile())).rejects.toThrow('throttled');
  });
});

describe('save', () => {
  const next = profile({ name: 'Alice', email: 'alice@example.com', profileVersion: 2 });
  const updated = createEnvelope(
    CustomerProfileUpdatedV2,
    {
      customerId: 'alice',
      sealedContact: 'c2VhbGVkIGNvbnRhY3Q=',
      profileVersion: 2,
      updatedAt: T0.toISOString(),
    },
    { correlationId: 'req-1', causationId: 'req-1' },
    { eventId: 'evt-profile-1', now: T0 },
  );

  it('replaces the profile at the expected version and stores its outbox record in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await repository.save(next, 1, [updated]);

    const items = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(2);
    expect(items[0]?.Put).toEqual({
      TableName: TABLE,
      Item: { ...KEY, entityType: 'PROFILE', ...next },
      ConditionExpression: 'profileVersion = :expected',
      ExpressionAttributeValues: { ':expected': 1 },
    });
    expect(items[1]?.Put?.Item).toMatchObject({
      pk: 'OUTBOX#evt-profile-1',
      entityType: 'OUTBOX',
      source: 'commerce.customers',
      detailType: 'CustomerProfileUpdated',
      envelope: updated,
    });
  });

  it('turns a failed version condition on the profile into ProfileVersionConflict', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    await expect(repository.save(next, 1, [updated])).rejects.toBeInstanceOf(ProfileVersionConflict);
  });

  it('sends the same transaction again after a TransactionConflict, and succeeds', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(transactionConflict()).resolvesOnce({});

    await repository.save(next, 1, [updated]);

    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toEqual(calls[0]?.args[0].input);
  });

  it('does not disguise a failure of the outbox record as a conflict', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
    await expect(repository.save(next, 1, [updated])).rejects.toBeInstanceOf(TransactionCanceledException);
  });
});
