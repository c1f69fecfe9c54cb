import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.INVENTORY_TABLE_NAME = 'commerce-test-inventory';
  process.env.EVENT_SOURCE = 'commerce.inventory';
});

import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { MAX_STOCK_QUANTITY } from '../../../domains/inventory/model.js';
import { handler as setStock } from '../../../functions/inventory/set-stock.js';
import { fakeContext, httpEvent } from '../shared/lambda-fakes.js';
import { stockItem } from './fakes.js';

const ddb = mockClient(DynamoDBDocumentClient);
const ADMIN = { sub: 'admin-1', 'cognito:groups': ['admin'] };

async function put(quantity: unknown) {
  const result = await setStock(
    httpEvent({
      method: 'PUT',
      path: '/inventory/espresso-cup',
      pathParameters: { productId: 'espresso-cup' },
      claims: ADMIN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ quantity }),
    }),
    fakeContext(),
  );
  return {
    status: result.statusCode,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: typeof result.body === 'string' ? JSON.parse(result.body) : undefined,
  };
}

beforeEach(() => {
  ddb.reset();
  ddb.on(UpdateCommand).callsFake(({ ExpressionAttributeValues }) => ({
    Attributes: stockItem('espresso-cup', ExpressionAttributeValues[':quantity']),
  }));
});
afterEach(() => ddb.reset());

describe('PUT /inventory/{productId}', () => {
  it('takes the documented maximum, a billion units', async () => {
    expect(MAX_STOCK_QUANTITY).toBe(1_000_000_000);

    const response = await put(MAX_STOCK_QUANTITY);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ onHand: MAX_STOCK_QUANTITY, available: MAX_STOCK_QUANTITY });
  });

  it.each([
    ['one unit above the maximum', MAX_STOCK_QUANTITY + 1, `must be at most ${MAX_STOCK_QUANTITY}`],
    ['far above it', Number.MAX_SAFE_INTEGER, `must be at most ${MAX_STOCK_QUANTITY}`],
    ['a negative count', -1, 'must be 0 or more'],
    ['a fraction', 1.5, 'must be a whole number'],
  ])(
    'refuses %s with the route’s 400 validation problem, writing nothing',
    async (_case, quantity, message) => {
      const response = await put(quantity);

      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({
        type: 'urn:commerce:problem:validation-failed',
        status: 400,
        errors: [{ path: 'quantity', message }],
      });
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    },
  );
});
