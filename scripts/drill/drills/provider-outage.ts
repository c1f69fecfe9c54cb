import {
  busEvents,
  check,
  type Drill,
  eventually,
  guarded,
  holdsFor,
  invokeFunction,
  ledgerCounts,
  openShop,
  setSandboxOutage,
} from '../harness.js';

/** The payment sandbox answers 503 to everything: orders wait, then recover or expire. */
export const providerOutage: Drill = {
  name: 'provider-outage',
  fault: 'payment sandbox in outage (every call 503)',
  mustHold:
    'breaker opens; waiting orders complete after recovery (paymentsRetryPending), or cancel PAYMENT_UNAVAILABLE at the stage deadline (orderPendingDeadlineSeconds: 120 s on drill) with stock released',
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
        await setSandboxOutage(stack, 'error');
        const waiting: Array<{ orderId: string; correlationId: string }> = [];
        for (let i = 0; i < 3; i++)
          waiting.push(await shop.placeOrder(customer.token, [{ productId: product, quantity: 1 }]));
        for (const { correlationId } of waiting) {
          await eventually(
            async () =>
              (await busEvents(stack, { correlationId, detailType: 'PaymentUnavailable' })).length > 0 ||
              undefined,
            { description: 'PaymentUnavailable', timeoutMs: 25_000, intervalMs: 250 },
          );
        }
        for (const { orderId } of waiting) {
          const o = await shop.order(customer.token, orderId);
          check(
            o.status === 'PENDING',
            `order ${orderId} is ${o.status} during the outage, expected PENDING`,
          );
        }
        // Breakers are per execution environment (decision 11): the consumer's calls may be spread over
        // several warm environments, so one retrier run, which calls for every pending order, is what
        // reliably shows an environment's breaker opening.
        await invokeFunction(stack, 'paymentsRetryPending');
        if (stack.logsSince) {
          const since = stack.logsSince;
          await eventually(
            async () => since(logStart).includes('Payment provider circuit open') || undefined,
            {
              description: 'the log line "Payment provider circuit open" during the outage',
              timeoutMs: 15_000,
              intervalMs: 500,
            },
          );
          notes.push('breaker opened (stack log)');
        } else notes.push('breaker not observable (no stack log)');
        progress('3 orders PENDING with PaymentUnavailable; provider back, invoking paymentsRetryPending');
        await setSandboxOutage(stack, 'off');
        await eventually(
          async () => {
            await invokeFunction(stack, 'paymentsRetryPending');
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
        for (const { orderId } of waiting) {
          await eventually(async () => (await ledgerCounts(stack, orderId)).captures === 1 || undefined, {
            description: `one capture for ${orderId}`,
            timeoutMs: 20_000,
          });
        }
        notes.push('3 waiting orders CONFIRMED + captured after recovery');

        // Phase 2: an order still waiting at the deadline is cancelled and its stock released.
        const before = await shop.stock(product);
        await setSandboxOutage(stack, 'error');
        const late = await shop.placeOrder(customer.token, [{ productId: product, quantity: 2 }]);
        await eventually(
          async () =>
            (await busEvents(stack, { correlationId: late.correlationId, detailType: 'PaymentUnavailable' }))
              .length > 0 || undefined,
          { description: 'PaymentUnavailable', timeoutMs: 25_000, intervalMs: 250 },
        );
        progress('order waiting past the stage deadline; invoking ordersExpirePending');
        const cancelled = await eventually(
          async () => {
            await invokeFunction(stack, 'ordersExpirePending');
            const o = await shop.order(customer.token, late.orderId);
            return o.status === 'CANCELLED' ? o : undefined;
          },
          { description: 'the deadline cancellation', timeoutMs: 180_000, intervalMs: 3000 },
        );
        check(cancelled.reason === 'PAYMENT_UNAVAILABLE', `cancelled with ${cancelled.reason}`);
        await eventually(
          async () => (await shop.stock(product)).available === before.available || undefined,
          {
            description: 'the stock to be released',
            timeoutMs: 20_000,
          },
        );
        await setSandboxOutage(stack, 'off');
        await invokeFunction(stack, 'paymentsRetryPending');
        await holdsFor(async () => (await ledgerCounts(stack, late.orderId)).captures === 0, {
          windowMs: 3000,
          description: 'no capture for the expired order',
        });
        const counts = await ledgerCounts(stack, late.orderId);
        check(
          counts.liveAuthorizations === 0,
          `expired order has ${counts.liveAuthorizations} open authorization(s)`,
        );
        notes.push('late order CANCELLED PAYMENT_UNAVAILABLE, stock released, never charged');
      } finally {
        await setSandboxOutage(stack, 'off');
      }
      return notes.join('; ');
    }),
};
