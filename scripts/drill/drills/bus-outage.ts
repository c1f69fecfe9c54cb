import {
  call,
  check,
  type Drill,
  eventually,
  guarded,
  openShop,
  redriveListing,
  setBusOutage,
  sleep,
} from '../harness.js';

const EXPECTED = ['OrderPlaced', 'StockReserved', 'PaymentAuthorized', 'OrderConfirmed', 'PaymentCaptured'];

/**
 * PutEvents fails for 6 s (quick: 4 s) while orders are placed; the outboxes must catch up by themselves.
 * The outage stays within the relay's bounded retries (stage drill: 3 invocations of ~3 s each per batch);
 * a longer one is relay-exhausted's case, where the stream gives records up and an operator republishes.
 */
export function busOutage(options: { outageMs?: number; orders?: number } = {}): Drill {
  return {
    name: 'bus-outage',
    fault:
      "publishing to the bus fails for 6 s (/_local/outage), within the relay's retry bounds, while orders are placed",
    mustHold:
      '0 events lost without an operator: every order confirms, its events reach the event store and the views, and outbox-relay-failures records nothing',
    run: ({ stack, progress, quick }) =>
      guarded(async () => {
        const outageMs = options.outageMs ?? (quick ? 4_000 : 6_000);
        const count = options.orders ?? (quick ? 3 : 10);
        const shop = await openShop(stack);
        const product = await shop.product({ stock: 0 });
        await shop.waitForPrice(product);
        await shop.setStock(product, count);
        const customer = await shop.customer();
        const placed: Array<{ orderId: string; correlationId: string }> = [];
        await setBusOutage(stack, true);
        const started = Date.now();
        try {
          progress(`bus outage ON for ${outageMs / 1000} s; placing ${count} orders during it`);
          for (let i = 0; i < count; i++) {
            placed.push(await shop.placeOrder(customer.token, [{ productId: product, quantity: 1 }]));
            const next = started + ((i + 1) * outageMs) / (count + 1);
            await sleep(Math.max(0, next - Date.now()));
          }
          const pending = await Promise.all(placed.map((p) => shop.order(customer.token, p.orderId)));
          const moved = pending.filter((o) => o.status !== 'PENDING');
          check(moved.length === 0, `${moved.length} orders moved on during the outage (was the bus down?)`);
          await sleep(Math.max(0, started + outageMs - Date.now()));
        } finally {
          await setBusOutage(stack, false);
        }
        progress('bus outage OFF; waiting for the outboxes to catch up');
        const recovered = Date.now();
        for (const { orderId } of placed) {
          const order = await shop.waitForFinal(customer.token, orderId, 180_000);
          check(order.status === 'CONFIRMED', `order ${orderId} ended ${order.status} ${order.reason ?? ''}`);
        }
        const catchUp = ((Date.now() - recovered) / 1000).toFixed(1);
        for (const { orderId } of placed) {
          await eventually(
            async () => {
              const stored = await call(stack, 'GET', `/admin/events?aggregateId=${orderId}&limit=100`, {
                token: shop.admin,
              });
              const types = new Set((stored.body?.items ?? []).map((e: any) => e['detail-type']));
              return EXPECTED.every((t) => types.has(t)) || undefined;
            },
            {
              description: `all saga events of ${orderId} in the event store`,
              timeoutMs: 60_000,
              intervalMs: 500,
            },
          );
        }
        await eventually(
          async () => {
            const history = await call(stack, 'GET', '/orders?limit=100', { token: customer.token });
            const items = history.body?.items ?? [];
            return (
              placed.every((p) =>
                items.some((o: any) => o.orderId === p.orderId && o.status === 'CONFIRMED'),
              ) || undefined
            );
          },
          {
            description: 'every order CONFIRMED in the order history view',
            timeoutMs: 30_000,
            intervalMs: 500,
          },
        );
        const placedAt = await Promise.all(
          placed.map(async (p) => Date.parse((await shop.order(customer.token, p.orderId)).createdAt)),
        );
        const given = (await redriveListing(stack, 'outbox-relay-failures')).windows.filter((window) =>
          placedAt.some((at) => window.from <= at && at < window.to),
        );
        check(
          given.length === 0,
          `the relay gave up on batches of these orders: ${given.map((window) => window.command).join('; ')}`,
        );
        const stock = await shop.stock(product);
        check(
          stock.onHand === 0 && stock.reserved === 0,
          `stock ${JSON.stringify(stock)} after ${count} sales`,
        );
        return `${count} orders placed during a ${outageMs / 1000} s outage; all CONFIRMED ${catchUp} s after recovery; ${EXPECTED.length} event types each in the event store; views and stock consistent; the relay gave up on none of their batches`;
      }),
  };
}
