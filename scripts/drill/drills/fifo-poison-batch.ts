import { randomUUID } from 'node:crypto';
import {
  check,
  type Drill,
  eventually,
  findItems,
  guarded,
  ledgerCounts,
  openShop,
  peekQueue,
  queueDepth,
  type Shop,
  type Stack,
  sendBatchToQueue,
  setBusOutage,
} from '../harness.js';

const QUEUE = 'payments-events.fifo';
const DLQ = 'payments-events-dlq.fifo';
/** The source queue's RedrivePolicy (domains/payments/resources.yml). */
const MAX_RECEIVE_COUNT = 5;

/** A bus event as EventBridge hands it to a target (and the forwarder puts it on the FIFO queue). */
const busEvent = (detailType: string, source: string, detail: Record<string, any>) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': detailType,
  source,
  account: '000000000000',
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: 'us-east-1',
  resources: [],
  detail,
});

/**
 * Enqueues, in one batch of the order's message group, the poison ahead of the order's real OrderPlaced
 * (taken from its outbox item, so its deduplication id is the one the forwarder will use).
 */
async function enqueuePoisonAhead(stack: Stack, orderId: string, poisonId: string): Promise<void> {
  const [outbox] = await findItems(
    stack,
    'orders',
    (item) =>
      item.entityType === 'OUTBOX' &&
      item.detailType === 'OrderPlaced' &&
      item.envelope?.data?.orderId === orderId,
  );
  check(outbox, `no OrderPlaced outbox item of order ${orderId}`);
  const orderPlaced = busEvent('OrderPlaced', outbox.source, outbox.envelope);
  const metadata = outbox.envelope.metadata;
  const poison = busEvent('StockReserved', 'commerce.inventory', {
    // StockReserved v1, which payments handles: only its data breaks the contract (OrderPlaced is v2).
    metadata: {
      ...metadata,
      eventId: poisonId,
      eventType: 'StockReserved',
      eventVersion: 1,
      producer: 'inventory',
    },
    data: { orderId, items: 'not a list of lines', reservedAt: metadata.occurredAt },
  });
  await sendBatchToQueue(stack, QUEUE, [
    { body: poison, group: orderId, dedup: poisonId, correlationId: metadata.correlationId },
    {
      body: orderPlaced,
      group: orderId,
      dedup: metadata.eventId,
      correlationId: metadata.correlationId,
    },
  ]);
}

/** Places an order while the bus is down and puts the poison ahead of it; returns the order's id. */
async function placeBehindPoison(
  shop: Shop,
  customer: { token: string },
  product: string,
  poisonId: string,
): Promise<string> {
  await setBusOutage(shop.stack, true);
  try {
    const { orderId } = await shop.placeOrder(customer.token, [{ productId: product, quantity: 1 }]);
    await enqueuePoisonAhead(shop.stack, orderId, poisonId);
    return orderId;
  } finally {
    await setBusOutage(shop.stack, false);
  }
}

/**
 * Waits for the poison in the DLQ, checking that nothing of its group was processed before it left, and
 * that it took maxReceiveCount receives. Returns those receives and the seconds it took.
 */
async function waitForPoisonDeadLettered(stack: Stack, orderId: string, poisonId: string) {
  // Until the poison leaves the group, nothing behind it may be processed: payment authorizes only once
  // payments has seen OrderPlaced and StockReserved, both queued behind the poison.
  const started = Date.now();
  let overtaken = false;
  const dead = await eventually(
    async () => {
      const { authorizations } = await ledgerCounts(stack, orderId);
      const found = (await peekQueue(stack, DLQ)).find((message) => message.Body?.includes(poisonId));
      if (!found && authorizations > 0) overtaken = true;
      return found;
    },
    { description: `the poison message in ${DLQ}`, timeoutMs: 120_000, intervalMs: 500 },
  );
  check(
    !overtaken,
    'the payment was authorized while the poison still blocked its group: a message overtook it',
  );
  const toDlq = ((Date.now() - started) / 1000).toFixed(0);
  // Dead-lettered by the consumer on its last allowed receive (a new message, with the source queue's count
  // as an attribute), or by the queue's redrive policy (the message itself, its count carried over).
  const receives = Number(
    dead.MessageAttributes?.receiveCount?.StringValue ?? dead.Attributes?.ApproximateReceiveCount ?? 0,
  );
  check(
    receives >= MAX_RECEIVE_COUNT,
    `the poison was dead-lettered after ${receives} receive(s), not maxReceiveCount ${MAX_RECEIVE_COUNT}`,
  );
  return { receives, toDlq };
}

async function checkNothingDraggedAlong(stack: Stack, orderId: string, poisonId: string): Promise<void> {
  // The receive that dead-letters the poison would take along whatever of its group was received as often.
  const ofGroup = (await peekQueue(stack, DLQ)).filter(
    (message) => message.Attributes?.MessageGroupId === orderId,
  );
  const dragged = ofGroup
    .filter((message) => !message.Body?.includes(poisonId))
    .map((message) => JSON.parse(message.Body ?? '{}')['detail-type']);
  check(
    dragged.length === 0,
    `the poison dragged ${dragged.join(', ')} of order ${orderId} into ${DLQ} (received together with it every time)`,
  );
}

/** The messages behind the poison were processed: the order confirms and is authorized and captured once. */
async function checkProcessedOnce(shop: Shop, token: string, orderId: string, dlqBefore: number) {
  const order = await shop.waitForFinal(token, orderId);
  check(
    order.status === 'CONFIRMED',
    `order ended ${order.status} ${order.reason ?? ''}: the messages behind the poison were not processed`,
  );
  await eventually(async () => (await ledgerCounts(shop.stack, orderId)).captures === 1 || undefined, {
    description: 'the capture (OrderConfirmed processed after the authorization)',
    timeoutMs: 30_000,
    intervalMs: 300,
  });
  const ledger = await ledgerCounts(shop.stack, orderId);
  check(ledger.authorizations === 1, `ledger ${JSON.stringify(ledger)}`);
  const dlqAfter = await queueDepth(shop.stack, DLQ);
  check(dlqAfter === dlqBefore + 1, `${DLQ} took ${dlqAfter - dlqBefore} message(s), not only the poison`);
}

/**
 * In payments' FIFO queue, a poison message (a StockReserved that breaks its contract) sits at the head of
 * an order's message group with that order's real OrderPlaced right behind it, delivered in the same batch
 * from the first receive on. The bus is down for the moment the two are enqueued, so the forwarder's own copy
 * of OrderPlaced comes later and is dropped by FIFO deduplication (same deduplication id, the event id).
 */
export const fifoPoisonBatch: Drill = {
  name: 'fifo-poison-batch',
  fault: `a contract-breaking message ahead of an order's OrderPlaced in one ${QUEUE} batch, failing on every receive`,
  mustHold: `only the poison message is dead-lettered (after maxReceiveCount ${MAX_RECEIVE_COUNT} receives); the order's messages behind it wait, then are processed in order: the order confirms and is captured once`,
  run: ({ stack, progress }) =>
    guarded(async () => {
      const shop = await openShop(stack);
      const product = await shop.product({ stock: 0 });
      await shop.waitForPrice(product);
      await shop.setStock(product, 5);
      const customer = await shop.customer();
      const dlqBefore = await queueDepth(stack, DLQ);
      const poisonId = `drill-poison-${randomUUID()}`;

      const orderId = await placeBehindPoison(shop, customer, product, poisonId);
      progress(`poison + OrderPlaced of ${orderId} enqueued in one batch; bus back up`);

      const { receives, toDlq } = await waitForPoisonDeadLettered(stack, orderId, poisonId);
      await checkNothingDraggedAlong(stack, orderId, poisonId);
      await checkProcessedOnce(shop, customer.token, orderId, dlqBefore);
      return `poison dead-lettered alone after ${receives} receives (${toDlq} s): ${DLQ} +1; OrderPlaced, in its batches since the first receive, and StockReserved waited behind it, then the payment was authorized once, the order CONFIRMED and captured once`;
    }),
};
