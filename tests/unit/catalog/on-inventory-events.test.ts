import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.CATALOG_TABLE_NAME = 'commerce-test-catalog';
});

import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { StockLevelChangedV1, StockLevelChangedV2 } from '../../../events/inventory/index.js';
import { handler } from '../../../functions/catalog/on-inventory-events.js';
import { busEvent, queueBatch } from '../shared/bus-events.js';
import { fakeContext } from '../shared/lambda-fakes.js';

/*
 * The catalog's availability consumer reads StockLevelChanged as inventory publishes it now (v2, only
 * when `available` moves) and as it was stored or archived before (v1, which `npm run replay` hands it).
 */
const ddb = mockClient(DynamoDBDocumentClient);
const AT = '2026-11-22T10:00:00.000Z';

beforeEach(() => {
  ddb.reset();
  ddb.on(UpdateCommand).resolves({});
});

const projected = () =>
  ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input.ExpressionAttributeValues);

describe('catalogProjectStockLevel', () => {
  it('projects v2 and, for replays, v1 onto the product the same way', async () => {
    const v2 = busEvent(StockLevelChangedV2, {
      productId: 'espresso-cup',
      available: 8,
      stockVersion: 3,
      changedAt: AT,
    });
    const v1 = busEvent(
      StockLevelChangedV1,
      { productId: 'grinder', onHand: 4, reserved: 1, available: 3, stockVersion: 7, changedAt: AT },
      { eventId: 'evt-legacy-level' },
    );

    const result = await handler(queueBatch(v2, v1), fakeContext('commerce-test-catalogProjectStockLevel'));

    expect(result.batchItemFailures).toEqual([]);
    expect(projected()).toEqual([
      expect.objectContaining({ ':available': 8, ':stockVersion': 3 }),
      expect.objectContaining({ ':available': 3, ':stockVersion': 7 }),
    ]);
  });
});
