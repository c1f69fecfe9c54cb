import {
  busEvents,
  check,
  type Drill,
  type DrillContext,
  eventually,
  guarded,
  holdsFor,
  invokeFunction,
  ledgerCounts,
  openShop,
  type Shop,
  type Stack,
  setSandboxOutage,
} from '../harness.js';

type Customer = { token: string };
type Progress = DrillContext['progress'];

/** Waits for the order's PaymentUnavailable, or for the one about `operation` ("capture: …") when given. */
async function waitForPaymentUnavailable(
  stack: Stack,
  correlationId: string,
  operation?: 'authorize' | 'capture',
): Promise<void> {
  await eventually(
    async () => {
      const unavailable = await busEvents(stack, { correlationId, detailType: 'PaymentUnavailable' });
      const about = (event: (typeof unavailable)[number]) =>
        !operation || String(event.detail?.data?.detail).startsWith(`${operation}:`);
      return unavailable.some(about) || undefined;
    },
    {
      description: `PaymentUnavailable${operation ? ` for the ${operation}` : ''}`,
      timeoutMs: 25_000,
      intervalMs: 250,
    },
  );
}

/** Three orders placed while the provider fails: each hears PaymentUnavailable and stays PENDING. */
async function placeDuringOutage(shop: Shop, customer: Customer, product: string) {
  await setSandboxOutage(shop.stack, 'error');
  const waiting: Array<{ orderId: string; correlationId: string }> = [];
  for (let i = 0; i < 3; i++)
    waiting.push(await shop.placeOrder(customer.token, [{ productId: product, quantity: 1 }]));
  for (const { correlationId } of waiting) await waitForPaymentUnavailable(shop.stack, correlationId);
  for (const { orderId } of waiting) {
    const o = await shop.order(customer.token, orderId);
    check(o.status === 'PENDING', `order ${orderId} is ${o.status} during the outage, expected PENDING`);
  }
  return waiting;
}

/** Runs the retrier during the outage and looks for its breaker opening in the stack's log, if it has one. */
async function observeBreakerOpening(stack: Stack, logStart: number): Promise<string> {
  // Breakers are per execution environment (decision 11): the consumer's calls may be spread over
  // several warm environments, so one retrier run, which calls for every pending order, is what
  // reliably shows an environment's breaker opening.
  await invokeFunction(stack, 'paymentsRetryPending');
  if (!stack.logsSince) return 'breaker not observable (no stack log)';
  const since = stack.logsSince;
  await eventually(async () => since(logStart).includes('Payment provider circuit open') || undefined, {
    description: 'the log line "Payment provider circuit open" during the outage',
    timeoutMs: 15_000,
    intervalMs: 500,
  });
  return 'breaker opened (stack log)';
}

/**
 * Ends the outage and retries until every waiting order is CONFIRMED and captured once. Returns how many
 * captures needed a retrier run: OrderConfirmed is captured by the payments consumer, unless the
 * environment it lands in still has its circuit open from the outage (for `resetTimeoutMs`, decision 11).
 * Such a capture stays CAPTURE_PENDING, owed to the retrier's next scheduled run (rate(1 minute), on AWS
 * as locally); the drill invokes the retrier in its place rather than waiting out the schedule.
 */
async function confirmAfterRecovery(
  shop: Shop,
  customer: Customer,
  waiting: Array<{ orderId: string }>,
): Promise<number> {
  await setSandboxOutage(shop.stack, 'off');
  await eventually(
    async () => {
      await invokeFunction(shop.stack, 'paymentsRetryPending');
      const statuses = await Promise.all(
        waiting.map(async (w) => (await shop.order(customer.token, w.orderId)).status),
      );
      return statuses.every((s) => s === 'CONFIRMED') || undefined;
    },
    {
      description: 'the waiting orders to confirm after recovery',
      timeoutMs: 60_000,
      intervalMs: 1500,
    },
  );
  let capturedByRetrier = 0;
  const capturedOnce = async (orderId: string) => (await ledgerCounts(shop.stack, orderId)).captures === 1;
  for (const { orderId } of waiting) {
    const byConsumer = await eventually(async () => (await capturedOnce(orderId)) || undefined, {
      description: `one capture for ${orderId}`,
      timeoutMs: 8_000,
    }).catch(() => false);
    if (byConsumer) continue;
    capturedByRetrier++;
    await eventually(
      async () => {
        await invokeFunction(shop.stack, 'paymentsRetryPending');
        return (await capturedOnce(orderId)) || undefined;
      },
      { description: `one capture for ${orderId} by the retrier`, timeoutMs: 30_000, intervalMs: 1500 },
    );
  }
  // A capture is never taken twice, whoever took it.
  for (const { orderId } of waiting) {
    const { captures } = await ledgerCounts(shop.stack, orderId);
    check(captures === 1, `order ${orderId} has ${captures} captures, expected 1`);
  }
  return capturedByRetrier;
}

/**
 * Only captures fail: the order is authorized and CONFIRMED, its capture is refused (PaymentUnavailable) and
 * stays owed; after recovery the retrier, standing in for its schedule, captures it exactly once. The
 * path the consumer's still-open circuit can also send a capture down, made certain.
 */
async function captureAfterOutage(shop: Shop, customer: Customer, product: string) {
  await setSandboxOutage(shop.stack, 'error', ['capture']);
  const placed = await shop.placeOrder(customer.token, [{ productId: product, quantity: 1 }]);
  await eventually(
    async () => {
      // A payments environment whose circuit is still open from phase 1 owes the authorization to the
      // retrier as well: run it, as its schedule would.
      await invokeFunction(shop.stack, 'paymentsRetryPending');
      return (await shop.order(customer.token, placed.orderId)).status === 'CONFIRMED' || undefined;
    },
    {
      description: `order ${placed.orderId} to confirm while captures fail`,
      timeoutMs: 30_000,
      intervalMs: 1500,
    },
  );
  await waitForPaymentUnavailable(shop.stack, placed.correlationId, 'capture');
  const during = await ledgerCounts(shop.stack, placed.orderId);
  check(during.captures === 0, `order ${placed.orderId} was captured during the capture outage`);
  await setSandboxOutage(shop.stack, 'off');
  await eventually(
    async () => {
      await invokeFunction(shop.stack, 'paymentsRetryPending');
      return (await ledgerCounts(shop.stack, placed.orderId)).captures > 0 || undefined;
    },
    { description: `the retrier to capture ${placed.orderId}`, timeoutMs: 30_000, intervalMs: 1500 },
  );
  await invokeFunction(shop.stack, 'paymentsRetryPending');
  const after = await ledgerCounts(shop.stack, placed.orderId);
  check(after.captures === 1, `order ${placed.orderId} has ${after.captures} captures, expected 1`);
  const order = await shop.order(customer.token, placed.orderId);
  check(order.status === 'CONFIRMED', `order ${placed.orderId} is ${order.status} after its late capture`);
}

/** An order still waiting at the deadline is cancelled PAYMENT_UNAVAILABLE, its stock released, never charged. */
async function expireLateOrder(shop: Shop, customer: Customer, product: string, progress: Progress) {
  const before = await shop.stock(product);
  await setSandboxOutage(shop.stack, 'error');
  const late = await shop.placeOrder(customer.token, [{ productId: product, quantity: 2 }]);
  await waitForPaymentUnavailable(shop.stack, late.correlationId);
  progress('order waiting past the stage deadline; invoking ordersExpirePending');
  const cancelled = await eventually(
    async () => {
      await invokeFunction(shop.stack, 'ordersExpirePending');
      const o = await shop.order(customer.token, late.orderId);
      return o.status === 'CANCELLED' ? o : undefined;
    },
    { description: 'the deadline cancellation', timeoutMs: 180_000, intervalMs: 3000 },
  );
  check(cancelled.reason === 'PAYMENT_UNAVAILABLE', `cancelled with ${cancelled.reason}`);
  await eventually(async () => (await shop.stock(product)).available === before.available || undefined, {
    description: 'the stock to be released',
    timeoutMs: 20_000,
  });
  await setSandboxOutage(shop.stack, 'off');
  await invokeFunction(shop.stack, 'paymentsRetryPending');
  await holdsFor(async () => (await ledgerCounts(shop.stack, late.orderId)).captures === 0, {
    windowMs: 3000,
    description: 'no capture for the expired order',
  });
  const counts = await ledgerCounts(shop.stack, late.orderId);
  check(
    counts.liveAuthorizations === 0,
    `expired order has ${counts.liveAuthorizations} open authorization(s)`,
  );
}

/** The payment sandbox answers 503 to everything: orders wait, then recover or expire. */
export const providerOutage: Drill = {
  name: 'provider-outage',
  fault: 'payment sandbox in outage (every call 503), then for captures only',
  mustHold:
    'breaker opens; waiting orders complete after recovery (paymentsRetryPending); a capture refused after confirmation is taken once by the retrier; orders still waiting cancel PAYMENT_UNAVAILABLE at the stage deadline (orderPendingDeadlineSeconds: 120 s on drill) with stock released',
  run: ({ stack, progress }) =>
    guarded(async () => {
      const shop = await openShop(stack);
      const product = await shop.product({ stock: 0 });
      await shop.waitForPrice(product);
      await shop.setStock(product, 10);
      const logStart = stack.logMark?.() ?? 0;
      const customer = await shop.customer();
      const notes: string[] = [];
      try {
        // Phase 1: orders wait during the outage and complete after recovery.
        const waiting = await placeDuringOutage(shop, customer, product);
        notes.push(await observeBreakerOpening(stack, logStart));
        progress('3 orders PENDING with PaymentUnavailable; provider back, invoking paymentsRetryPending');
        const capturedByRetrier = await confirmAfterRecovery(shop, customer, waiting);
        notes.push(
          `3 waiting orders CONFIRMED + captured once after recovery (${capturedByRetrier} of the captures by the retrier: circuit still open in the consumer)`,
        );

        // Phase 2: a capture refused by the provider is owed to the retrier, and taken once.
        await captureAfterOutage(shop, customer, product);
        notes.push(
          'a capture refused during a capture-only outage was taken once by the retrier, order CONFIRMED',
        );

        // Phase 3: an order still waiting at the deadline is cancelled and its stock released.
        await expireLateOrder(shop, customer, product, progress);
        notes.push('late order CANCELLED PAYMENT_UNAVAILABLE, stock released, never charged');
      } finally {
        await setSandboxOutage(stack, 'off');
      }
      return notes.join('; ');
    }),
};
