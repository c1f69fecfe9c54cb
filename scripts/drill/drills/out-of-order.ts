import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  type BusEvent,
  call,
  check,
  type Drill,
  eventually,
  guarded,
  ledgerCounts,
  openShop,
  putEvents,
  type Shop,
  type Stack,
  sleep,
  tokenFor,
  uniqueId,
} from '../harness.js';

type Step = 'P' | 'C';

/** Synthetic orders-domain events of one order (as the orders domain would publish them). */
function sagaEvents(orderId: string, customerId: string, productId: string) {
  const at = new Date().toISOString();
  const correlationId = uniqueId('ooo-corr');
  const line = { productId, quantity: 1, unitPrice: { amount: 1500, currency: 'EUR' } };
  const common = { orderId, customerId, items: [line], total: line.unitPrice };
  const event = (type: string, data: object): BusEvent => ({
    source: 'commerce.orders',
    'detail-type': type,
    detail: {
      metadata: {
        eventId: randomUUID(),
        eventType: type,
        eventVersion: 1,
        occurredAt: at,
        correlationId,
        causationId: correlationId,
        producer: 'orders',
      },
      data,
    },
  });
  return {
    P: event('OrderPlaced', { ...common, paymentToken: 'tok_visa', placedAt: at, orderVersion: 1 }),
    C: event('OrderCancelled', {
      ...common,
      reason: 'CANCELLED_BY_CUSTOMER',
      wasConfirmed: false,
      cancelledAt: at,
      orderVersion: 2,
    }),
  };
}

async function finalState(stack: Stack, shop: Shop, orderId: string, customerToken: string, product: string) {
  const [stock, ledger, history] = await Promise.all([
    shop.stock(product),
    ledgerCounts(stack, orderId),
    call(stack, 'GET', '/orders?limit=100', { token: customerToken }),
  ]);
  const view = history.body?.items?.find((o: any) => o.orderId === orderId);
  return JSON.stringify({
    stock: { onHand: stock.onHand, reserved: stock.reserved, available: stock.available },
    captures: ledger.captures,
    liveAuthorizations: ledger.liveAuthorizations,
    refunds: ledger.refunds,
    view: view ? { status: view.status, reason: view.reason } : null,
  });
}

async function runSequence(stack: Stack, shop: Shop, steps: Step[], inOrder: boolean) {
  const product = await shop.product({ stock: 3 });
  const orderId = uniqueId('ooo');
  const customerId = uniqueId('ooo-customer');
  const token = await tokenFor(stack, customerId);
  const events = sagaEvents(orderId, customerId, product);
  for (const step of steps) {
    await putEvents(stack, [events[step]]);
    if (inOrder) {
      // In order: let each event's effects settle before the next one is published.
      await eventually(
        async () => {
          const s = await shop.stock(product);
          return step === 'P' ? s.reserved === 1 || undefined : s.reserved === 0 || undefined;
        },
        { description: `effects of ${step}`, timeoutMs: 20_000 },
      );
      await sleep(1500);
    }
  }
  // Settled: the same state on three reads 2.5 s apart.
  const seen: string[] = [];
  const state = await eventually(
    async () => {
      seen.push(await finalState(stack, shop, orderId, token, product));
      const stable = seen.length >= 3 && seen.slice(-3).every((s) => s === seen.at(-1));
      if (!stable) await sleep(2500);
      return stable ? seen.at(-1) : undefined;
    },
    { description: `order ${orderId} (${steps.join('')}) to settle`, timeoutMs: 90_000, intervalMs: 100 },
  );
  return { state, orderId, product, customerId };
}

/** Placement and cancellation of one order published in shuffled orders, with duplicates. */
export const outOfOrder: Drill = {
  name: 'out-of-order',
  fault: 'saga events of one order published directly to the bus in shuffled orders (with duplicates)',
  mustHold: 'same final state as in order (stock, ledger, order history view)',
  run: ({ stack, progress, quick }) =>
    guarded(async () => {
      const shop = await openShop(stack);
      const { state: baseline } = await runSequence(stack, shop, ['P', 'C'], true);
      progress(`in order P→C: ${baseline}`);
      const fixed: Step[][] = [
        ['C', 'P'],
        ['P', 'C'],
        ['C', 'P', 'P'],
        ['C', 'C', 'P'],
      ];
      const generated = fc.sample(
        fc
          .array(fc.constantFrom<Step>('P', 'C'), { minLength: 2, maxLength: 5 })
          .filter((s) => s.includes('P') && s.includes('C')),
        { numRuns: quick ? 2 : 6, seed: 20260501 },
      );
      const sequences = [...fixed, ...generated];
      const results = await Promise.all(sequences.map((steps) => runSequence(stack, shop, steps, false)));
      const differing = sequences
        .map((steps, i) => ({ steps: steps.join(''), ...(results[i] as (typeof results)[number]) }))
        .filter((r) => r.state !== baseline);
      check(
        differing.length === 0,
        `in order: ${baseline}; differs: ${differing.map((d) => `${d.steps} (order ${d.orderId}, product ${d.product}) → ${d.state}`).join(' | ')}`,
      );
      const parsed = JSON.parse(baseline);
      check(
        parsed.stock.reserved === 0 && parsed.stock.available === 3 && parsed.captures === 0,
        `in-order baseline itself is wrong: ${baseline}`,
      );
      return `${sequences.length} shuffled sequences (${sequences.map((s) => s.join('')).join(',')}) end like P→C: stock 3/0/3, no capture, no open authorization, view ${parsed.view?.status ?? 'none'}`;
    }),
};
