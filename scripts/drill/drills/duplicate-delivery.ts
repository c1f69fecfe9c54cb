import {
  busEvents,
  call,
  check,
  type Drill,
  eventually,
  guarded,
  holdsFor,
  ledgerCounts,
  openShop,
  putEvents,
  type Shop,
  type Stack,
  sleep,
} from '../harness.js';

interface Case {
  label: string;
  orderId: string;
  correlationId: string;
  customer: { id: string; token: string };
  product: string;
}

async function snapshot(stack: Stack, shop: Shop, c: Case) {
  const [stock, ledger, order, notifications, stored] = await Promise.all([
    shop.stock(c.product),
    ledgerCounts(stack, c.orderId),
    shop.order(c.customer.token, c.orderId),
    call(stack, 'GET', `/admin/notifications?customerId=${encodeURIComponent(c.customer.id)}&limit=100`, {
      token: shop.admin,
    }),
    call(stack, 'GET', `/admin/events?correlationId=${encodeURIComponent(c.correlationId)}&limit=100`, {
      token: shop.admin,
    }),
  ]);
  return JSON.stringify({
    stock,
    ledger,
    status: order?.status,
    reason: order?.reason,
    notifications: notifications.body?.items?.length,
    storedEvents: stored.body?.items?.length,
  });
}

/** A confirmed, a declined and a soon refunded order, each of its own customer and product. */
async function placeCases(shop: Shop): Promise<Case[]> {
  const cases: Case[] = [];
  for (const [label, paymentToken] of [
    ['confirmed', 'tok_visa'],
    ['declined', 'tok_declined'],
    ['refunded', 'tok_visa'],
  ] as const) {
    const product = await shop.product({ stock: 6 });
    const customer = await shop.customer();
    const { orderId, correlationId } = await shop.placeOrder(
      customer.token,
      [{ productId: product, quantity: 2 }],
      {
        paymentToken,
      },
    );
    cases.push({ label, orderId, correlationId, customer, product });
  }
  return cases;
}

/** Waits for each saga to finish, then cancels the refund case's order once its payment is captured. */
async function finishSagas(stack: Stack, shop: Shop, cases: Case[]): Promise<void> {
  for (const c of cases) {
    const order = await shop.waitForFinal(c.customer.token, c.orderId);
    if (c.label === 'refunded') {
      check(order.status === 'CONFIRMED', `refund case: order ${order.status}`);
      await eventually(async () => (await ledgerCounts(stack, c.orderId)).captures === 1 || undefined, {
        description: 'the capture before the cancel',
        timeoutMs: 20_000,
      });
      const cancel = await call(stack, 'POST', `/orders/${c.orderId}/cancel`, {
        token: c.customer.token,
        headers: { 'x-correlation-id': c.correlationId },
      });
      check(cancel.status === 202, `cancel answered ${cancel.status}`);
    }
  }
}

/** Each case's snapshot once it has settled: two reads 1.5 s apart agree. By order id. */
async function settledSnapshots(stack: Stack, shop: Shop, cases: Case[]): Promise<Map<string, string>> {
  const settled = new Map<string, string>();
  for (const c of cases) {
    let last = '';
    await eventually(
      async () => {
        const now = await snapshot(stack, shop, c);
        const stable = now === last;
        last = now;
        if (!stable) await sleep(1500);
        return stable || undefined;
      },
      { description: `${c.label} to settle`, timeoutMs: 60_000, intervalMs: 100 },
    );
    settled.set(c.orderId, last);
  }
  return settled;
}

const EXPECTED_BEFORE_THE_DRILL: Record<string, (s: any) => boolean> = {
  confirmed: (s) => s.status === 'CONFIRMED' && s.ledger.captures === 1 && s.stock.onHand === 4,
  declined: (s) => s.reason === 'PAYMENT_DECLINED' && s.ledger.captures === 0 && s.stock.available === 6,
  refunded: (s) => s.reason === 'CANCELLED_BY_CUSTOMER' && s.ledger.refunds === 1 && s.stock.onHand === 6,
};

function checkEndedAsExpected(cases: Case[], before: Map<string, string>): void {
  for (const c of cases) {
    const s = JSON.parse(before.get(c.orderId) ?? '{}');
    check(
      EXPECTED_BEFORE_THE_DRILL[c.label]?.(s),
      `${c.label} did not end as expected before the drill: ${before.get(c.orderId)}`,
    );
  }
}

/** Puts every saga event of the cases on the bus again; returns how many. */
async function redeliverSagaEvents(stack: Stack, cases: Case[]): Promise<number> {
  let redelivered = 0;
  for (const c of cases) {
    const events = (await busEvents(stack, { correlationId: c.correlationId })).filter(
      (e) => e['detail-type'] !== 'StockLevelChanged',
    );
    check(events.length >= 4, `${c.label}: only ${events.length} saga events on the bus`);
    await putEvents(stack, events);
    redelivered += events.length;
  }
  return redelivered;
}

/** Each case keeps its snapshot for 2 s, and still has it 2 s after the last of them. */
async function checkUnchanged(stack: Stack, shop: Shop, cases: Case[], before: Map<string, string>) {
  for (const c of cases) {
    let seen = '';
    try {
      await holdsFor(
        async () => {
          seen = await snapshot(stack, shop, c);
          return seen === before.get(c.orderId);
        },
        { windowMs: 2000, intervalMs: 400, description: c.label },
      );
    } catch {
      throw new Error(
        `${c.label} order changed after redelivery: before ${before.get(c.orderId)} after ${seen}`,
      );
    }
  }
  await sleep(2000);
  for (const c of cases) {
    const after = await snapshot(stack, shop, c);
    check(
      after === before.get(c.orderId),
      `${c.label} changed late: before ${before.get(c.orderId)} after ${after}`,
    );
  }
}

/** Every saga event of a confirmed, a declined and a refunded order is put on the bus a second time. */
export const duplicateDelivery: Drill = {
  name: 'duplicate-delivery',
  fault: 'every saga event delivered twice (re-put to the bus unchanged)',
  mustHold: 'no double reservation, charge, refund or notification',
  run: ({ stack, progress }) =>
    guarded(async () => {
      const shop = await openShop(stack);
      const cases = await placeCases(shop);
      await finishSagas(stack, shop, cases);
      // Wait until every case has settled: the snapshot is stable for 3 s.
      progress('waiting for the 3 sagas to settle');
      const before = await settledSnapshots(stack, shop, cases);
      checkEndedAsExpected(cases, before);
      const redelivered = await redeliverSagaEvents(stack, cases);
      progress(`re-put ${redelivered} events; watching for changes for 6 s`);
      await checkUnchanged(stack, shop, cases, before);
      return `${redelivered} events of a confirmed, a declined and a refunded order delivered twice: stock, ledger (auth/capture/void/refund), status, notifications and event store unchanged`;
    }),
};
