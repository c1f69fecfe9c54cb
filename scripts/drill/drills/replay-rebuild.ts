import { call, check, type Drill, guarded, openShop, runScript, scanTable, sleep } from '../harness.js';

/** The order-history read model is wiped and rebuilt from the event store. */
export const replayRebuild: Drill = {
  name: 'replay-rebuild',
  fault:
    'views table wiped and rebuilt: npm run replay -- --consumer viewsProjectOrders --stage <stage> --reset-views',
  mustHold: 'the rebuilt read model is identical to before (every item of the views table)',
  run: ({ stack, progress }) =>
    guarded(async () => {
      const shop = await openShop(stack);
      const product = await shop.product({ stock: 5 });
      const customer = await shop.customer();
      const confirmed = await shop.placeOrder(customer.token, [{ productId: product, quantity: 1 }]);
      const declined = await shop.placeOrder(customer.token, [{ productId: product, quantity: 1 }], {
        paymentToken: 'tok_declined',
      });
      const cancelled = await shop.placeOrder(customer.token, [{ productId: product, quantity: 1 }]);
      await shop.waitForFinal(customer.token, confirmed.orderId);
      await shop.waitForFinal(customer.token, declined.orderId);
      await shop.waitForStatus(customer.token, cancelled.orderId, 'CONFIRMED');
      check(
        (await call(stack, 'POST', `/orders/${cancelled.orderId}/cancel`, { token: customer.token }))
          .status === 202,
        'cancel refused',
      );
      await shop.waitForStatus(customer.token, cancelled.orderId, 'CANCELLED');
      // The read model and the event store must have settled before the wipe.
      let before: string[] = [];
      for (let i = 0; i < 30; i++) {
        const a = await scanTable(stack, 'views');
        await sleep(2000);
        before = await scanTable(stack, 'views');
        if (JSON.stringify(a) === JSON.stringify(before)) break;
      }
      const historyBefore = (await call(stack, 'GET', '/orders?limit=100', { token: customer.token })).body;
      progress(`views hold ${before.length} items; replaying`);
      const replay = await runScript('replay.mjs', [
        '--consumer',
        'viewsProjectOrders',
        '--stage',
        stack.stage,
        '--reset-views',
      ]);
      check(
        replay.code === 0,
        `replay exited ${replay.code}: ${(replay.stderr || replay.stdout).slice(-600)}`,
      );
      const after = await scanTable(stack, 'views');
      const historyAfter = (await call(stack, 'GET', '/orders?limit=100', { token: customer.token })).body;
      const missing = before.filter((item) => !after.includes(item));
      const extra = after.filter((item) => !before.includes(item));
      check(
        missing.length === 0 && extra.length === 0,
        `views differ after the rebuild: ${missing.length} missing/changed, ${extra.length} new; e.g. before ${missing[0]?.slice(0, 300)} after ${extra[0]?.slice(0, 300)}`,
      );
      check(
        JSON.stringify(historyBefore) === JSON.stringify(historyAfter),
        'GET /orders differs after the rebuild',
      );
      const summary = replay.stdout.trim().split('\n')[0] ?? '';
      return `${before.length} view items identical after wipe + replay (${summary.slice(0, 160)})`;
    }),
};
