import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  call,
  check,
  type Drill,
  eventually,
  findItems,
  guarded,
  type ListedMessage,
  ledgerCounts,
  openShop,
  redriveListing,
  runScript,
  type Shop,
  type Stack,
  storedEventTypes,
  withDynamo,
} from '../harness.js';

const CONSUMER = 'inventoryOnOrderEvents';
const DLQ = 'inventory-events';

/** The order's reservation item in the inventory table (found by content, not by key layout). */
async function reservationOf(stack: Stack, orderId: string) {
  const [reservation, ...more] = await findItems(
    stack,
    'inventory',
    (item) => item.entityType === 'RESERVATION' && item.orderId === orderId,
  );
  check(reservation && more.length === 0, `expected one reservation item of order ${orderId}`);
  return reservation;
}

/** Sets (or, with undefined, removes) the `items` of a reservation item, the inventory consumer's input. */
async function setReservationItems(stack: Stack, reservation: Record<string, any>, items: unknown) {
  await withDynamo(stack, (dynamo) =>
    dynamo.send(
      new UpdateCommand({
        TableName: `commerce-${stack.stage}-inventory`,
        Key: { pk: reservation.pk, sk: reservation.sk },
        ...(items === undefined
          ? { UpdateExpression: 'REMOVE #items' }
          : { UpdateExpression: 'SET #items = :items', ExpressionAttributeValues: { ':items': items } }),
        ExpressionAttributeNames: { '#items': 'items' },
      }),
    ),
  );
}

/** The Lambda failure record of the consumer for this order's OrderCancelled, as redrive lists it. */
const isOurRecord = (orderId: string) => (message: ListedMessage) =>
  message.shape === 'function-failure' &&
  message.summary.includes(CONSUMER) &&
  message.summary.includes('OrderCancelled') &&
  message.summary.includes(orderId);

interface Sale {
  shop: Shop;
  token: string;
  product: string;
  orderId: string;
}

/** Sells 2 of the product's 5 units and waits until the sale is complete: stock taken, payment captured. */
async function confirmedSale(shop: Shop): Promise<Sale> {
  const product = await shop.product({ stock: 5 });
  const customer = await shop.customer();
  const { orderId } = await shop.placeOrder(customer.token, [{ productId: product, quantity: 2 }]);
  const confirmed = await shop.waitForFinal(customer.token, orderId);
  check(
    confirmed.status === 'CONFIRMED',
    `order ${orderId} ended ${confirmed.status} ${confirmed.reason ?? ''}`,
  );
  await eventually(
    async () => {
      const [stock, ledger] = await Promise.all([shop.stock(product), ledgerCounts(shop.stack, orderId)]);
      return (stock.onHand === 3 && stock.reserved === 0 && ledger.captures === 1) || undefined;
    },
    { description: 'the sale (2 units sold, payment captured)', timeoutMs: 30_000, intervalMs: 300 },
  );
  return { shop, token: customer.token, product, orderId };
}

/** The fault: the reservation loses its lines, so giving the sold units back throws. Returns it as it was. */
async function cancelWithUnreadableReservation({ shop, token, orderId }: Sale) {
  const reservation = await reservationOf(shop.stack, orderId);
  check(Array.isArray(reservation.items), `reservation of ${orderId} has no lines to break`);
  await setReservationItems(shop.stack, reservation, undefined);
  const cancel = await call(shop.stack, 'POST', `/orders/${orderId}/cancel`, { token });
  check(cancel.status === 202, `cancel answered ${cancel.status}: ${JSON.stringify(cancel.body)}`);
  return reservation;
}

/** Waits for the failure record in the DLQ and checks that only inventory's part of the cancel is missing. */
async function waitForFailureRecord({ shop, token, product, orderId }: Sale) {
  const started = Date.now();
  const record = await eventually(
    async () => (await redriveListing(shop.stack, DLQ)).messages.find(isOurRecord(orderId)),
    {
      description: `the OrderCancelled failure record in the ${DLQ} DLQ`,
      timeoutMs: 180_000,
      intervalMs: 2000,
    },
  );
  const toDestination = ((Date.now() - started) / 1000).toFixed(0);
  // Every other consumer handled the cancellation; only inventory's part is missing.
  const [ledger, stockBefore, order] = await Promise.all([
    ledgerCounts(shop.stack, orderId),
    shop.stock(product),
    shop.order(token, orderId),
  ]);
  check(order.status === 'CANCELLED', `order is ${order.status} after the cancel`);
  check(ledger.refunds === 1, `payments did not refund the cancelled order: ${JSON.stringify(ledger)}`);
  check(
    stockBefore.onHand === 3,
    `stock ${JSON.stringify(stockBefore)}: the failed consumer gave the units back anyway?`,
  );
  return { record, toDestination };
}

/** Repair, then redrive: the record's event goes to inventory's consumer, and to no other. */
async function repairAndRedrive(sale: Sale, reservation: Record<string, any>, record: ListedMessage) {
  const { shop, product, orderId } = sale;
  await setReservationItems(shop.stack, reservation, reservation.items);
  const redrive = await runScript('redrive.mjs', [DLQ, '--stage', shop.stack.stage]);
  check(
    !redrive.stderr.includes(record.id),
    `redrive could not re-deliver ${record.id} (exit ${redrive.code}): ${redrive.stderr.slice(-600)}`,
  );
  await eventually(
    async () => {
      const stock = await shop.stock(product);
      return (stock.onHand === 5 && stock.reserved === 0 && stock.available === 5) || undefined;
    },
    { description: 'the 2 sold units back on hand', timeoutMs: 30_000, intervalMs: 300 },
  );
  await eventually(
    async () => (await storedEventTypes(shop, orderId)).includes('StockReleased') || undefined,
    {
      description: 'StockReleased of the order in the event store',
      timeoutMs: 30_000,
      intervalMs: 500,
    },
  );
  const after = await ledgerCounts(shop.stack, orderId);
  check(
    after.captures === 1 && after.refunds === 1,
    `payment changed by the redrive: ${JSON.stringify(after)}`,
  );
  const left = (await redriveListing(shop.stack, DLQ)).messages.filter(isOurRecord(orderId));
  check(left.length === 0, `the record is still in the ${DLQ} DLQ after redrive`);
}

/**
 * A confirmed order is cancelled while inventory cannot read its reservation (its lines are missing, as from
 * a bad write or a partial restore): inventory's rule-invoked consumer throws on that one OrderCancelled, on
 * every attempt. On AWS the rule target's DLQ never sees a function error: without the function's on-failure
 * destination the event would be dropped after Lambda's retries and the units would stay sold forever.
 */
export const ruleConsumerCrash: Drill = {
  name: 'rule-consumer-crash',
  fault: `${CONSUMER} throws on one order's OrderCancelled (its reservation lost its lines) on every async attempt`,
  mustHold:
    "the event reaches the function's on-failure destination (inventory-events DLQ) as a Lambda record; once the reservation is repaired, npm run redrive re-delivers it to that function only and the stock comes back",
  run: ({ stack, progress }) =>
    guarded(async () => {
      const shop = await openShop(stack);
      const sale = await confirmedSale(shop);
      const reservation = await cancelWithUnreadableReservation(sale);
      progress('confirmed order cancelled while its reservation is unreadable; waiting for the destination');
      const { record, toDestination } = await waitForFailureRecord(sale);
      progress(`record in the DLQ after ${toDestination} s: ${record.summary.slice(0, 160)}`);
      await repairAndRedrive(sale, reservation, record);
      return `OrderCancelled failed in ${CONSUMER} on every attempt and reached the ${DLQ} DLQ as a Lambda record after ${toDestination} s (order CANCELLED and refunded, 2 units still sold); after repairing the reservation, npm run redrive invoked ${CONSUMER} with it: stock back to 5 on hand, StockReleased stored, payment untouched, DLQ no longer holds it`;
    }),
};
