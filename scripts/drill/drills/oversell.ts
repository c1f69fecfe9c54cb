import { check, type Drill, guarded, openShop, pool, sandboxLedger, sleep } from '../harness.js';

/** 200 concurrent orders (quick: 40) race for 50 units (quick: 10). */
export const oversell: Drill = {
  name: 'oversell',
  fault: '200 concurrent orders for a product with 50 units',
  mustHold: 'exactly 50 confirmed; available 0; 50 captures; no charge without a confirmed order',
  run: ({ stack, progress, quick }) =>
    guarded(async () => {
      const orders = quick ? 40 : 200;
      const units = quick ? 10 : 50;
      const shop = await openShop(stack);
      const product = await shop.product({ amount: 990, stock: 0 });
      await shop.waitForPrice(product);
      await shop.setStock(product, units);
      const customers = await Promise.all(Array.from({ length: orders }, () => shop.customer()));
      progress(`placing ${orders} orders at once for ${units} units`);
      const started = Date.now();
      const placed = await Promise.all(
        customers.map((c) => shop.placeOrder(c.token, [{ productId: product, quantity: 1 }])),
      );
      progress(`${orders} accepted in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for outcomes`);
      const finals: any[] = new Array(orders);
      const deadline = Date.now() + 240_000;
      for (;;) {
        const open = placed.map((_, i) => i).filter((i) => !finals[i]);
        if (open.length === 0) break;
        check(Date.now() < deadline, `${open.length} orders still PENDING after 240 s`);
        await pool(open, 8, async (i) => {
          const body = await shop.order(customers[i]?.token ?? '', placed[i]?.orderId ?? '');
          if (body?.status && body.status !== 'PENDING') finals[i] = body;
        });
        if (placed.some((_, i) => !finals[i])) await sleep(1000);
      }
      const confirmed = finals.filter((o) => o.status === 'CONFIRMED');
      const others = finals.filter((o) => o.status !== 'CONFIRMED');
      const badReasons = others.filter((o) => o.reason !== 'OUT_OF_STOCK');
      const reasons: Record<string, number> = {};
      for (const o of others) reasons[o.reason ?? o.status] = (reasons[o.reason ?? o.status] ?? 0) + 1;
      if (confirmed.length !== units) {
        const stock = await shop.stock(product);
        throw new Error(
          `${confirmed.length} confirmed, expected exactly ${units}; cancelled: ${JSON.stringify(reasons)}; stock after: ${JSON.stringify(stock)}; product ${product}; retried POSTs: ${shop.transientAnswers.length}`,
        );
      }
      check(
        badReasons.length === 0,
        `cancelled for other reasons: ${badReasons.map((o) => o.reason).join(',')}`,
      );
      // Sale and captures settle asynchronously after confirmation.
      const ids = new Set(placed.map((p) => p.orderId));
      const confirmedIds = new Set(confirmed.map((o) => o.orderId));
      let stock: any;
      let captured: string[] = [];
      const settle = Date.now() + 60_000;
      for (;;) {
        stock = await shop.stock(product);
        const ledger = await sandboxLedger(stack);
        captured = ledger.captures.filter((c) => ids.has(c.orderId)).map((c) => c.orderId);
        if ((stock.onHand === 0 && stock.reserved === 0 && captured.length >= units) || Date.now() > settle)
          break;
        await sleep(1000);
      }
      check(
        stock.available === 0 && stock.onHand === 0 && stock.reserved === 0,
        `stock ${JSON.stringify(stock)}, expected onHand 0, reserved 0, available 0`,
      );
      check(captured.length === units, `${captured.length} captures, expected ${units}`);
      const uncovered = captured.filter((id) => !confirmedIds.has(id));
      check(uncovered.length === 0, `captures without a confirmed order: ${uncovered.join(',')}`);
      check(new Set(captured).size === captured.length, 'an order was captured twice');
      const ledger = await sandboxLedger(stack);
      const liveAuth = ledger.authorizations.filter(
        (a) => ids.has(a.orderId) && a.status === 'authorized' && !confirmedIds.has(a.orderId),
      );
      check(liveAuth.length === 0, `${liveAuth.length} authorizations left open for cancelled orders`);
      const transient = shop.transientAnswers.length;
      const retryNote = transient
        ? `; ${transient} POST /orders answers were Lambda timeouts/5xx under load (retried with the same Idempotency-Key, e.g. ${shop.transientAnswers[0]?.slice(0, 90)})`
        : '';
      return `${orders} orders/${units} units: ${confirmed.length} confirmed, ${others.length} OUT_OF_STOCK, stock 0/0/0, ${captured.length} captures all on confirmed orders${retryNote}`;
    }),
};
