import {
  call,
  check,
  type Drill,
  type DrillContext,
  eventually,
  guarded,
  openShop,
  redriveListing,
  type Shop,
  setBusOutage,
  sleep,
} from '../harness.js';

const EXPECTED = ['OrderPlaced', 'StockReserved', 'PaymentAuthorized', 'OrderConfirmed', 'PaymentCaptured'];

type Placed = Array<{ orderId: string; correlationId: string }>;
type Customer = { token: string };

interface OutagePlan {
  customer: Customer;
  product: string;
  count: number;
  outageMs: number;
  progress: DrillContext['progress'];
}

/** Places `count` orders spread over the outage, which must hold them all PENDING while it lasts. */
async function placeDuringOutage(
  shop: Shop,
  { customer, product, count, outageMs, progress }: OutagePlan,
): Promise<Placed> {
  const placed: Placed = [];
  await setBusOutage(shop.stack, true);
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
    await setBusOutage(shop.stack, false);
  }
  return placed;
}

/** Waits for every order to confirm; returns the seconds that took, as printed. */
async function waitForConfirmations(shop: Shop, customer: Customer, placed: Placed): Promise<string> {
  const recovered = Date.now();
  for (const { orderId } of placed) {
    const order = await shop.waitForFinal(customer.token, orderId, 180_000);
    check(order.status === 'CONFIRMED', `order ${orderId} ended ${order.status} ${order.reason ?? ''}`);
  }
  return ((Date.now() - recovered) / 1000).toFixed(1);
}

async function waitForEventStore(shop: Shop, placed: Placed): Promise<void> {
  for (const { orderId } of placed) {
    await eventually(
      async () => {
        const stored = await call(shop.stack, 'GET', `/admin/events?aggregateId=${orderId}&limit=100`, {
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
}

async function waitForOrderHistory(shop: Shop, customer: Customer, placed: Placed): Promise<void> {
  await eventually(
    async () => {
      const history = await call(shop.stack, 'GET', '/orders?limit=100', { token: customer.token });
      const items = history.body?.items ?? [];
      return (
        placed.every((p) => items.some((o: any) => o.orderId === p.orderId && o.status === 'CONFIRMED')) ||
        undefined
      );
    },
    {
      description: 'every order CONFIRMED in the order history view',
      timeoutMs: 30_000,
      intervalMs: 500,
    },
  );
}

/** The relay's on-failure destination holds no batch of the time these orders were placed in. */
async function checkRelayGaveUpOnNone(shop: Shop, customer: Customer, placed: Placed): Promise<void> {
  const placedAt = await Promise.all(
    placed.map(async (p) => Date.parse((await shop.order(customer.token, p.orderId)).createdAt)),
  );
  const given = (await redriveListing(shop.stack, 'outbox-relay-failures')).windows.filter((window) =>
    placedAt.some((at) => window.from <= at && at < window.to),
  );
  check(
    given.length === 0,
    `the relay gave up on batches of these orders: ${given.map((window) => window.command).join('; ')}`,
  );
}

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
        const placed = await placeDuringOutage(shop, { customer, product, count, outageMs, progress });
        progress('bus outage OFF; waiting for the outboxes to catch up');
        const catchUp = await waitForConfirmations(shop, customer, placed);
        await waitForEventStore(shop, placed);
        await waitForOrderHistory(shop, customer, placed);
        await checkRelayGaveUpOnNone(shop, customer, placed);
        const stock = await shop.stock(product);
        check(
          stock.onHand === 0 && stock.reserved === 0,
          `stock ${JSON.stringify(stock)} after ${count} sales`,
        );
        return `${count} orders placed during a ${outageMs / 1000} s outage; all CONFIRMED ${catchUp} s after recovery; ${EXPECTED.length} event types each in the event store; views and stock consistent; the relay gave up on none of their batches`;
      }),
  };
}
