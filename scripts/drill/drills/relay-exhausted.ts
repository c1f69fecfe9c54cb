import {
  busEvents,
  check,
  type Drill,
  type DrillContext,
  eventually,
  guarded,
  ledgerCounts,
  openShop,
  type RepublishWindow,
  redriveListing,
  runScript,
  type Shop,
  type Stack,
  setBusOutage,
  sleep,
  storedEventTypes,
  waitForOutboxesPublished,
} from '../harness.js';

const FAILURES = 'outbox-relay-failures';
type Progress = DrillContext['progress'];

/** Every order is final, and payments and stock agree with how it ended; returns what does not hold yet. */
async function inconsistencies(
  stack: Stack,
  shop: Shop,
  token: string,
  orderIds: string[],
  product: string,
  stockAtStart: number,
) {
  const problems: string[] = [];
  let confirmed = 0;
  for (const orderId of orderIds) {
    const [order, ledger, types] = await Promise.all([
      shop.order(token, orderId),
      ledgerCounts(stack, orderId),
      storedEventTypes(shop, orderId),
    ]);
    if (order.status === 'PENDING') problems.push(`${orderId} still PENDING`);
    if (!types.includes('OrderPlaced')) problems.push(`${orderId}: OrderPlaced not in the event store`);
    if (order.status === 'CONFIRMED') {
      confirmed++;
      if (ledger.captures !== 1 || ledger.refunds !== 0)
        problems.push(`${orderId} CONFIRMED, ledger ${JSON.stringify(ledger)}`);
    }
    if (
      order.status === 'CANCELLED' &&
      (ledger.liveAuthorizations !== 0 || ledger.captures !== ledger.refunds)
    ) {
      problems.push(`${orderId} CANCELLED ${order.reason}, ledger ${JSON.stringify(ledger)}`);
    }
  }
  const stock = await shop.stock(product);
  if (stock.reserved !== 0 || stock.onHand !== stockAtStart - confirmed) {
    problems.push(`stock ${JSON.stringify(stock)} with ${confirmed} of ${orderIds.length} orders confirmed`);
  }
  return { problems, confirmed };
}

/**
 * Only the orders placed during the outage may be in the batches the relay gives up on: the setup's
 * events (the price probe's order, the stock level) must be out first.
 */
async function waitForSetupPublished(stack: Stack, product: string, stock: number, setupStarted: number) {
  await waitForOutboxesPublished(stack, ['orders', 'catalog', 'inventory'], setupStarted);
  // The stock level is not an outbox event (inventory derives it from the stock item's stream record), so it
  // is waited for by its figures.
  await eventually(
    async () =>
      (await busEvents(stack, { detailType: 'StockLevelChanged' })).some(
        (event) => event.detail.data?.productId === product && event.detail.data?.available === stock,
      ) || undefined,
    { description: 'the stock level of the product on the bus', timeoutMs: 30_000, intervalMs: 300 },
  );
}

async function waitForRelayToGiveUp(stack: Stack, count: number): Promise<void> {
  const ordersTable = `commerce-${stack.stage}-orders`;
  // Each order wrote one outbox record to the orders stream (the relay's filter drops the rest), so
  // once the given-up batches of that table hold as many records, every OrderPlaced was given up on.
  await eventually(
    async () => {
      const { messages } = await redriveListing(stack, FAILURES);
      const givenUp = messages
        .map((message) => new RegExp(`^${ordersTable} batch of (\\d+) record`).exec(message.summary))
        .reduce((sum, match) => sum + Number(match?.[1] ?? 0), 0);
      return givenUp >= count || undefined;
    },
    {
      description: `${FAILURES} records of the orders table holding ${count} records`,
      timeoutMs: 150_000,
      intervalMs: 2000,
    },
  );
}

/** Places the orders with the bus down and keeps it down until the relay gave up on all of them. */
async function placeDuringLongOutage(
  shop: Shop,
  { token, product, count, progress }: { token: string; product: string; count: number; progress: Progress },
) {
  const orderIds: string[] = [];
  await setBusOutage(shop.stack, true);
  const outageStarted = Date.now();
  try {
    for (let i = 0; i < count; i++) {
      const { orderId } = await shop.placeOrder(token, [{ productId: product, quantity: 1 }]);
      orderIds.push(orderId);
    }
    progress(`bus down; ${count} orders placed; waiting for the relay to give up on them`);
    await waitForRelayToGiveUp(shop.stack, count);
  } finally {
    await setBusOutage(shop.stack, false);
  }
  return { orderIds, outageSeconds: ((Date.now() - outageStarted) / 1000).toFixed(0) };
}

/**
 * The republish windows once the destination stops changing: batches still being retried when the bus came
 * back either get through or are reported now, so every lost window is known before republishing.
 */
async function settledWindows(stack: Stack): Promise<RepublishWindow[]> {
  let last = '';
  return eventually(
    async () => {
      const { windows: now } = await redriveListing(stack, FAILURES);
      const seen = now.map((window) => window.command).join('\n');
      const stable = seen === last;
      last = seen;
      if (!stable) await sleep(6000);
      return stable ? now : undefined;
    },
    { description: `${FAILURES} to settle`, timeoutMs: 90_000, intervalMs: 100 },
  );
}

/** The orders whose OrderPlaced the event store does not hold. */
async function lostOrders(shop: Shop, orderIds: string[]): Promise<string[]> {
  const lost = [];
  for (const orderId of orderIds) {
    if (!(await storedEventTypes(shop, orderId)).includes('OrderPlaced')) lost.push(orderId);
  }
  return lost;
}

/** Runs npm run outbox:republish for each window; returns how many events they published. */
async function republish(windows: RepublishWindow[]): Promise<number> {
  let published = 0;
  for (const window of windows) {
    const run = await runScript('outbox-republish.mjs', window.args);
    check(
      run.code === 0,
      `outbox:republish ${window.args.join(' ')} exited ${run.code}: ${run.stderr.slice(-500)}`,
    );
    published += Number(/: (\d+) published, 0 failed/.exec(run.stdout)?.[1] ?? 0);
  }
  return published;
}

async function waitForConsistency(
  shop: Shop,
  {
    token,
    orderIds,
    product,
    stockAtStart,
  }: { token: string; orderIds: string[]; product: string; stockAtStart: number },
) {
  let outcome = { problems: ['not checked'], confirmed: 0 };
  await eventually(
    async () => {
      outcome = await inconsistencies(shop.stack, shop, token, orderIds, product, stockAtStart);
      return outcome.problems.length === 0 || undefined;
    },
    { description: 'every order final and consistent', timeoutMs: 150_000, intervalMs: 1000 },
  ).catch(() => {
    throw new Error(`not consistent after the republish: ${outcome.problems.join('; ')}`);
  });
  return outcome;
}

/** The records are the evidence until the windows are republished; --republish clears them. */
async function clearFailures(stack: Stack): Promise<void> {
  const clear = await runScript('redrive.mjs', [FAILURES, '--republish', '--stage', stack.stage]);
  check(
    clear.code === 0,
    `redrive ${FAILURES} --republish exited ${clear.code}: ${clear.stderr.slice(-500)}`,
  );
  const remaining = (await redriveListing(stack, FAILURES)).messages.length;
  check(remaining === 0, `${remaining} record(s) left in ${FAILURES}`);
}

/**
 * The bus rejects every PutEvents for longer than the outbox relay's retry bounds (stage drill:
 * relayMaxRetryAttempts 2, relayMaxRecordAgeSeconds 60). The stream mapping gives up on the batches, reports
 * them to its on-failure destination and moves on: without the republish command those events are lost.
 */
export function relayExhausted(options: { orders?: number } = {}): Drill {
  return {
    name: 'relay-exhausted',
    fault:
      "PutEvents fails (/_local/outage) until the orders outbox relay's bounded retries give up on the batches",
    mustHold:
      'the outbox-relay-failures destination records each batch; npm run outbox:republish of the windows npm run redrive prints restores every event; every order ends consistent',
    run: ({ stack, progress, quick }) =>
      guarded(async () => {
        const count = options.orders ?? (quick ? 2 : 3);
        const setupStarted = Date.now();
        const shop = await openShop(stack);
        const product = await shop.product({ stock: 0 });
        await shop.waitForPrice(product);
        await shop.setStock(product, count);
        const customer = await shop.customer();
        await waitForSetupPublished(stack, product, count, setupStarted);

        const { orderIds, outageSeconds } = await placeDuringLongOutage(shop, {
          token: customer.token,
          product,
          count,
          progress,
        });
        const windows = await settledWindows(stack);
        const lost = await lostOrders(shop, orderIds);
        check(lost.length > 0, 'every OrderPlaced reached the bus after the outage: the relay never gave up');
        progress(`${lost.length}/${count} OrderPlaced lost; republishing ${windows.length} window(s)`);

        const published = await republish(windows);
        const outcome = await waitForConsistency(shop, {
          token: customer.token,
          orderIds,
          product,
          stockAtStart: count,
        });
        await clearFailures(stack);
        return `bus down ${outageSeconds} s: ${lost.length}/${count} orders' OrderPlaced never reached the bus and ${FAILURES} held ${windows.length} window(s); npm run outbox:republish published ${published} event(s); every order final with consistent payment and stock (${outcome.confirmed} CONFIRMED, ${count - outcome.confirmed} CANCELLED); redrive --republish then emptied the destination`;
      }),
  };
}
