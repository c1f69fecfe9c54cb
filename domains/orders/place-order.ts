import { createHash } from 'node:crypto';
import { type CausalContext, createEnvelope } from '../../events/envelope.js';
import { OrderPlacedV2 } from '../../events/orders/index.js';
import type { Clock } from '../../shared/clock.js';
import type { Backoff } from '../../shared/dynamodb/retry-on-conflict.js';
import { IdempotencyKeyReused, IdempotencyKeyTaken, mergeLines, newOrder, priceLines } from './model.js';
import type {
  IdempotencyRecord,
  OrderLifecycle,
  OrderRepository,
  PaymentTokenSealer,
  PriceBook,
} from './ports.js';
import type { PlaceOrderInput } from './schemas.js';

/** Looks for the winning request's key this many times before answering 409 "still in progress". */
const WINNER_LOOKUPS = 4;

export interface PlacedOrder {
  orderId: string;
  status: 'PENDING';
}

/**
 * The same order written twice, with lines in another order or split differently, hashes the same. The
 * card token is part of the hash (a retry must pay with the same card), never stored in clear: only this
 * one-way digest of the body is.
 */
export function requestHashOf(input: PlaceOrderInput): string {
  const items = mergeLines(input.items).sort((a, b) => (a.productId < b.productId ? -1 : 1));
  const canonical = JSON.stringify({
    items: items.map(({ productId, quantity }) => [productId, quantity]),
    paymentToken: input.paymentToken,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

function replay(record: IdempotencyRecord, requestHash: string): PlacedOrder {
  if (record.requestHash !== requestHash) throw new IdempotencyKeyReused();
  return { orderId: record.orderId, status: 'PENDING' };
}

/**
 * Places an order priced from the domain's own price projection, frozen at this moment. The order, its
 * Idempotency-Key and `OrderPlaced` are stored in one transaction: a retry with the same key and body gets
 * the same order back, even when it races the first request. The card token leaves this request only
 * sealed for payments, bound to the new order's id: the outbox, the bus and every store downstream see
 * ciphertext.
 */
export async function placeOrder(
  input: PlaceOrderInput,
  request: { customerId: string; idempotencyKey: string },
  ports: {
    orders: OrderRepository;
    prices: PriceBook;
    tokens: PaymentTokenSealer;
    clock: Clock;
    backoff?: Backoff;
    newId?: () => string;
    lifecycle?: OrderLifecycle;
  },
  trace: CausalContext,
): Promise<PlacedOrder> {
  const { customerId, idempotencyKey: key } = request;
  const requestHash = requestHashOf(input);
  const earlier = await ports.orders.findIdempotencyRecord(customerId, key);
  if (earlier) return replay(earlier, requestHash);

  const known = await ports.prices.pricesOf([...new Set(input.items.map((line) => line.productId))]);
  const { items, total } = priceLines(input.items, known);
  const now = ports.clock.now();
  const order = newOrder({
    orderId: ports.newId?.() ?? crypto.randomUUID(),
    customerId,
    items,
    total,
    correlationId: trace.correlationId,
    now,
  });
  const sealedPaymentToken = await ports.tokens.seal(input.paymentToken, { orderId: order.orderId });
  const placed = createEnvelope(
    OrderPlacedV2,
    {
      orderId: order.orderId,
      customerId,
      items,
      total,
      sealedPaymentToken,
      placedAt: order.createdAt,
      orderVersion: order.version,
    },
    trace,
    { now },
  );
  try {
    await ports.orders.place(order, { customerId, key, requestHash, orderId: order.orderId }, [placed]);
  } catch (error) {
    if (!(error instanceof IdempotencyKeyTaken)) throw error;
    return replay(await winnerOf(customerId, key, ports), requestHash);
  }
  ports.lifecycle?.placed(order);
  return { orderId: order.orderId, status: 'PENDING' };
}

/** A concurrent request with the same key won the race; its transaction may still be committing. */
async function winnerOf(
  customerId: string,
  key: string,
  ports: { orders: OrderRepository; backoff?: Backoff },
): Promise<IdempotencyRecord> {
  for (let attempt = 1; attempt <= WINNER_LOOKUPS; attempt++) {
    const winner = await ports.orders.findIdempotencyRecord(customerId, key);
    if (winner) return winner;
    await ports.backoff?.pause(attempt);
  }
  throw new IdempotencyKeyTaken(
    'Another request with this Idempotency-Key is still being processed: retry it shortly.',
  );
}
