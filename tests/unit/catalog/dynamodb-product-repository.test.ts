import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DynamoDbProductRepository,
  ProductVersionConflict,
} from '../../../domains/catalog/adapters/dynamodb-product-repository.js';
import { type Product, ProductAlreadyExists } from '../../../domains/catalog/model.js';
import { PriceChangedV1, ProductCreatedV1 } from '../../../events/catalog/index.js';
import { createEnvelope } from '../../../events/envelope.js';
import { BadRequestError } from '../../../shared/errors.js';
import { transactionConflict } from '../shared/dynamodb-errors.js';

const TABLE = 'commerce-test-catalog';
const SOURCE = 'commerce.catalog';
const T0 = new Date('2026-11-22T09:59:00.000Z');

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const repository = new DynamoDbProductRepository(client, TABLE, SOURCE);

function product(overrides: Partial<Product> = {}): Product {
  return {
    productId: 'espresso-cup',
    name: 'Espresso cup',
    description: 'Double-walled glass, 80 ml',
    price: { amount: 1200, currency: 'EUR' },
    available: 0,
    priceVersion: 1,
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    ...overrides,
  };
}

const created = createEnvelope(
  ProductCreatedV1,
  {
    productId: 'espresso-cup',
    name: 'Espresso cup',
    description: 'Double-walled glass, 80 ml',
    price: { amount: 1200, currency: 'EUR' },
    createdAt: T0.toISOString(),
  },
  { correlationId: 'req-1', causationId: 'req-1' },
  { eventId: 'evt-created-1', now: T0 },
);

function cancelled(...codes: string[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeEach(() => {
  ddb.reset();
});

describe('create', () => {
  it('writes the product and its outbox record in one conditional transaction', async () => {
    // given DynamoDB accepts the transaction
    ddb.on(TransactWriteCommand).resolves({});

    // when a product is created with its event
    await repository.create(product(), [created]);

    // then exactly one TransactWriteItems was sent, holding both items
    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    expect(ddb.calls()).toHaveLength(1);
    const items = calls[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(2);
    // the product, keyed by id, only if the id is not taken
    expect(items[0]?.Put).toEqual({
      TableName: TABLE,
      Item: { pk: 'PRODUCT#espresso-cup', sk: 'PRODUCT', entityType: 'PRODUCT', ...product() },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    // the outbox record the relay publishes
    expect(items[1]?.Put).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: 'OUTBOX#evt-created-1',
        sk: 'OUTBOX#evt-created-1',
        entityType: 'OUTBOX',
        source: SOURCE,
        detailType: 'ProductCreated',
        envelope: created,
        expiresAt: Math.floor(T0.getTime() / 1000) + 15 * 24 * 3600,
      },
    });
  });

  it('turns a failed condition on the product into ProductAlreadyExists (409)', async () => {
    // given the id is taken: the transaction is cancelled on its first item
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    // when the product is created
    const attempt = repository.create(product(), [created]);

    // then the caller gets a 409 naming the product
    await expect(attempt).rejects.toBeInstanceOf(ProductAlreadyExists);
    await expect(attempt).rejects.toMatchObject({ status: 409, details: { productId: 'espresso-cup' } });
  });

  it('sends the same transaction again after a TransactionConflict, and succeeds (no 500)', async () => {
    // given a concurrent transaction holds the product item once
    ddb.on(TransactWriteCommand).rejectsOnce(transactionConflict()).resolvesOnce({});

    // when the product is created
    await repository.create(product(), [created]);

    // then the same transaction was sent twice, the second time successfully
    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toEqual(calls[0]?.args[0].input);
  });

  it('does not disguise other failures as a conflict', async () => {
    // given the transaction is cancelled for another reason (e.g. the outbox item)
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));

    // when the product is created
    const attempt = repository.create(product(), [created]);

    // then the original error surfaces (a 500 upstream, not a misleading 409)
    await expect(attempt).rejects.toBeInstanceOf(TransactionCanceledException);
  });
});

describe('savePriceChange', () => {
  const changed = createEnvelope(
    PriceChangedV1,
    {
      productId: 'espresso-cup',
      previousPrice: { amount: 1200, currency: 'EUR' },
      price: { amount: 1500, currency: 'EUR' },
      priceVersion: 2,
      changedAt: T0.toISOString(),
    },
    { correlationId: 'req-2', causationId: 'cmd-2' },
    { eventId: 'evt-changed-1', now: T0 },
  );
  const next = product({ price: { amount: 1500, currency: 'EUR' }, priceVersion: 2 });

  it('updates only the price attributes, if still at the expected price version, with its event, atomically', async () => {
    // given DynamoDB accepts the transaction
    ddb.on(TransactWriteCommand).resolves({});

    // when the change is saved against version 1
    await repository.savePriceChange(next, 1, [changed]);

    // then one transaction holds the conditional update and the outbox record
    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    const items = calls[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual({
      Update: {
        TableName: TABLE,
        Key: { pk: 'PRODUCT#espresso-cup', sk: 'PRODUCT' },
        UpdateExpression: 'SET price = :price, priceVersion = :priceVersion, updatedAt = :updatedAt',
        ConditionExpression: 'priceVersion = :expected',
        ExpressionAttributeValues: {
          ':price': { amount: 1500, currency: 'EUR' },
          ':priceVersion': 2,
          ':updatedAt': T0.toISOString(),
          ':expected': 1,
        },
      },
    });
    expect(items[1]?.Put?.Item).toMatchObject({ pk: 'OUTBOX#evt-changed-1', detailType: 'PriceChanged' });
  });

  it.each([
    ['before any stock report (no stockVersion read)', product({ priceVersion: 2 })],
    ['after one', product({ priceVersion: 2, available: 4, stockVersion: 7 })],
  ])(
    'never writes the stock projection, so one landing after the read survives (%s)',
    async (_case, read) => {
      ddb.on(TransactWriteCommand).resolves({});

      await repository.savePriceChange(read, 1, [changed]);

      // nothing of the write names `available` or `stockVersion`: whatever the projection stored stays
      const update = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Update;
      expect(update).toBeDefined();
      expect(JSON.stringify(update)).not.toMatch(/available|stockVersion/);
      expect(
        ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put,
      ).toBeUndefined();
    },
  );

  it('sends the same transaction again after a TransactionConflict with a stock projection', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(transactionConflict()).resolvesOnce({});

    await repository.savePriceChange(next, 1, [changed]);

    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toEqual(calls[0]?.args[0].input);
  });

  it('maps a failed version condition to a 409 conflict', async () => {
    // given another change got there first
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    // when the change is saved against the stale version
    const attempt = repository.savePriceChange(next, 1, [changed]);

    // then a version conflict is raised (the message is retried)
    await expect(attempt).rejects.toBeInstanceOf(ProductVersionConflict);
    await expect(attempt).rejects.toMatchObject({ status: 409, code: 'product-version-conflict' });
  });
});

describe('get', () => {
  it('reads consistently by key and strips the storage keys', async () => {
    // given a stored item
    ddb.on(GetCommand).resolves({
      Item: { pk: 'PRODUCT#espresso-cup', sk: 'PRODUCT', entityType: 'PRODUCT', ...product() },
    });

    // when the product is read
    const found = await repository.get('espresso-cup');

    // then the domain sees the product only
    expect(found).toEqual(product());
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'PRODUCT#espresso-cup', sk: 'PRODUCT' },
      ConsistentRead: true,
    });
  });

  it('returns undefined for an unknown id', async () => {
    // given no item
    ddb.on(GetCommand).resolves({});

    // when / then
    expect(await repository.get('nope')).toBeUndefined();
  });
});

describe('list', () => {
  const lastKey = { pk: 'PRODUCT#b', sk: 'PRODUCT', entityType: 'PRODUCT', productId: 'b' };

  it('returns a nextCursor that continues the listing where the previous page stopped', async () => {
    // given a first page that ends at product b, then a last page
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [
          { pk: 'PRODUCT#a', sk: 'PRODUCT', entityType: 'PRODUCT', ...product({ productId: 'a' }) },
          { pk: 'PRODUCT#b', sk: 'PRODUCT', entityType: 'PRODUCT', ...product({ productId: 'b' }) },
        ],
        LastEvaluatedKey: lastKey,
      })
      .resolvesOnce({ Items: [{ ...product({ productId: 'c' }), pk: 'PRODUCT#c', sk: 'PRODUCT' }] });

    // when the first page is listed and its cursor passed back
    const first = await repository.list({ limit: 2 });
    const second = await repository.list({ limit: 2, cursor: first.nextCursor ?? undefined });

    // then the pages hold the products, and the cursor became the query's ExclusiveStartKey
    expect(first.items.map((p) => p.productId)).toEqual(['a', 'b']);
    expect(first.items[0]).toEqual(product({ productId: 'a' }));
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(second.items.map((p) => p.productId)).toEqual(['c']);
    expect(second.nextCursor).toBeNull();
    const [firstQuery, secondQuery] = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(firstQuery).toMatchObject({
      TableName: TABLE,
      IndexName: 'byEntityType',
      KeyConditionExpression: 'entityType = :type',
      ExpressionAttributeValues: { ':type': 'PRODUCT' },
      Limit: 2,
    });
    expect(firstQuery?.ExclusiveStartKey).toBeUndefined();
    expect(secondQuery?.ExclusiveStartKey).toEqual(lastKey);
  });

  it.each([
    ['not base64 JSON', '!!!not-a-cursor!!!'],
    ['JSON of the wrong shape', cursorOf({ hello: 'world' })],
    ['another entity type', cursorOf({ ...lastKey, entityType: 'OUTBOX' })],
    ['a JSON null', cursorOf(null)],
  ])('refuses a forged cursor (%s) with a 400 before querying', async (_case, cursor) => {
    // given a cursor the API never issued
    ddb.on(QueryCommand).resolves({ Items: [] });

    // when it is used
    const attempt = repository.list({ limit: 2, cursor });

    // then the client gets a 400 and DynamoDB is never asked
    await expect(attempt).rejects.toBeInstanceOf(BadRequestError);
    await expect(attempt).rejects.toMatchObject({ status: 400 });
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it.each([
    ['without a sort key', { pk: 'PRODUCT#b', entityType: 'PRODUCT', productId: 'b' }],
    ['with a numeric sort key', { ...lastKey, sk: 7 }],
    ['whose pk does not belong to its productId', { ...lastKey, pk: 'PRODUCT#zzz' }],
  ])('refuses a forged cursor %s with a 400 instead of passing it to DynamoDB', async (_case, key) => {
    // given a cursor of the right overall shape whose table keys are broken or inconsistent, which
    // DynamoDB would reject with a ValidationException (a 500 for the client) or misread
    ddb.on(QueryCommand).resolves({ Items: [] });

    // when it is used
    const attempt = repository.list({ limit: 2, cursor: cursorOf(key) });

    // then the client gets a 400 and DynamoDB is never asked
    await expect(attempt).rejects.toBeInstanceOf(BadRequestError);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});
