import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_KEY_PREFIX } from '../../shared/outbox/record.js';
import { call } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { openShop, type Shop } from '../support/saga.js';
import { stack, TEST_STAGE } from '../support/stack.js';
import { logLinesMentioning } from '../support/stack-logs.js';

/*
 * A stream carries no trace, so the outbox relays run PassThrough and publish each event under the trace
 * header its writer stored beside it (docs/decisions.md, entry 44). Lambda gives every invocation that
 * header in _X_AMZN_TRACE_ID; the local sandboxes do too, so the outbox items and the log lines here are
 * the size they are on AWS.
 */
const TRACE_HEADER = /^Root=(1-[0-9a-f]{8}-[0-9a-f]{24});Parent=[0-9a-f]{16};Sampled=1$/;

const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    endpoint: stack.dynamodb,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }),
);

let shop: Shop;
beforeAll(async () => {
  shop = await openShop();
});
afterAll(() => documents.destroy());

/** The trace header stored with an order's OrderPlaced, once the event store has the event. */
async function traceHeaderOfOrderPlaced(orderId: string): Promise<string | undefined> {
  const placed = await eventually(
    async () => {
      const { body } = await call('GET', `/admin/events?aggregateId=${orderId}`, { token: shop.admin });
      return body.items?.find((event: any) => event['detail-type'] === 'OrderPlaced');
    },
    { description: 'OrderPlaced in the event store' },
  );
  // the event itself carries no trace header: that is the relay's business, not the contract's
  expect(JSON.stringify(placed.detail)).not.toContain('Root=');
  const key = `${OUTBOX_KEY_PREFIX}${placed.detail.metadata.eventId}`;
  const { Item } = await documents.send(
    new GetCommand({ TableName: `commerce-${TEST_STAGE}-orders`, Key: { pk: key, sk: key } }),
  );
  return Item?.traceHeader;
}

describe("an order's trace", () => {
  it('is stored with its OrderPlaced: the header of the invocation that placed it, one per request', async () => {
    // given two orders placed through the API, by two requests
    const product = await shop.product({ amount: 900, stock: 3 });
    const buyer = await shop.customer();
    const first = await shop.placeOrder(buyer.token, [{ productId: product, quantity: 1 }]);
    const second = await shop.placeOrder(buyer.token, [{ productId: product, quantity: 1 }]);

    // when their OrderPlaced events have been relayed, the outbox items they came from hold a trace
    // header in the shape Lambda gives each invocation, each request its own
    const headers = [
      await traceHeaderOfOrderPlaced(first.orderId),
      await traceHeaderOfOrderPlaced(second.orderId),
    ];
    const roots = headers.map((header) => TRACE_HEADER.exec(String(header))?.[1]);
    expect(roots.every(Boolean), headers.join(' | ')).toBe(true);
    expect(roots[0]).not.toBe(roots[1]);

    // and the functions' log lines name the trace they ran in, as Powertools does on AWS
    const logged = logLinesMentioning(first.correlationId).map(
      (line) => JSON.parse(line.slice(line.indexOf('{'))).xray_trace_id,
    );
    expect(logged.length).toBeGreaterThan(0);
    for (const traceId of logged) expect(traceId).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  it('is recorded through the X-Ray SDK, which a write route finds in a file of its own', async () => {
    // given a request X-Ray samples (the local cloud samples every one) to a route that changes state,
    // whose X-Ray SDK is not in its bundle but beside it (scripts/deploy/esbuild-plugins.cjs)
    const product = await shop.product({ amount: 900, stock: 1 });
    const buyer = await shop.customer();

    // when the order is placed
    const order = await shop.placeOrder(buyer.token, [{ productId: product, quantity: 1 }]);

    // then the route found the file: it served the request traced, not untraced with an error
    expect(order.orderId).toBeTruthy();
    expect(logLinesMentioning('X-Ray SDK failed to load')).toEqual([]);
  });
});
