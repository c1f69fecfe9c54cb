import { MAX_MONEY_AMOUNT, type Money } from '../../events/money.js';
import type { CancellationReason } from '../../events/orders/index.js';
import { MAX_RESERVABLE_PRODUCTS } from '../../shared/dynamodb/transaction-limit.js';
import { BusinessRuleError, ConflictError, type FieldError, NotFoundError } from '../../shared/errors.js';

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'CANCELLED';

// A type alias, not an interface: it must be assignable to the contracts' open (loose) line schema.
export type OrderLine = {
  productId: string;
  quantity: number;
  /** The product's price when the order was placed: later price changes never touch a placed order. */
  unitPrice: Money;
};

export interface Order {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  items: OrderLine[];
  total: Money;
  /** Set once the order is cancelled. */
  reason?: CancellationReason;
  /** Payments reported the provider unreachable: a deadline cancellation says PAYMENT_UNAVAILABLE. */
  paymentUnavailable: boolean;
  /** Correlation id of the request that placed the order, carried by events the order emits on its own. */
  correlationId: string;
  /** Optimistic concurrency: increases by one with every stored change. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * What the public API shows of an order (API.md, GET /orders/{orderId}): an allow-list, so a field added to
 * Order stays inside the domain until the API is meant to show it. The type and `toView` both read it.
 */
const VIEW_FIELDS = [
  'orderId',
  'customerId',
  'status',
  'items',
  'total',
  'reason',
  'createdAt',
  'updatedAt',
] as const;
export type OrderView = Pick<Order, (typeof VIEW_FIELDS)[number]>;

/** Who asks: the customer id is the token's subject. */
export interface Requester {
  customerId: string;
  isAdmin: boolean;
}

/**
 * Lines one order may list. Inventory reserves all of an order's distinct products (never more than its
 * lines) in one DynamoDB transaction, so this never exceeds what one transaction can hold.
 */
export const MAX_LINES = Math.min(50, MAX_RESERVABLE_PRODUCTS);
export const MAX_QUANTITY = 100;

export class OrderNotFound extends NotFoundError {
  override readonly code = 'order-not-found';
  constructor(orderId: string) {
    super(`No order with id "${orderId}".`, { orderId });
  }
}

export class OrderNotCancellable extends ConflictError {
  override readonly code = 'order-not-cancellable';
  constructor(order: Pick<Order, 'orderId' | 'status'>) {
    super(`Order ${order.orderId} is ${order.status} and can no longer be cancelled.`, {
      orderId: order.orderId,
      orderStatus: order.status,
    });
  }
}

/** Another request already used this Idempotency-Key with a different body. */
export class IdempotencyKeyReused extends ConflictError {
  override readonly code = 'idempotency-key-reused';
  constructor() {
    super(
      'This Idempotency-Key was already used for a different request. Use a new key for a new order, ' +
        'and the same key only to retry the very same request.',
    );
  }
}

/**
 * The key is already recorded, or being recorded by a concurrent request (raised by the repository). It
 * reaches the client only while that concurrent request is still in progress.
 */
export class IdempotencyKeyTaken extends ConflictError {
  override readonly code = 'idempotency-key-in-use';
}

/** Raised by the repository when the stored order is no longer at the expected version. */
export class OrderVersionConflict extends ConflictError {
  override readonly code = 'order-version-conflict';
}

/** A valid request the orders domain cannot price: it lists every offending line. */
export class OrderNotPriceable extends BusinessRuleError {
  override readonly code: string = 'order-not-priceable';
  constructor(message: string, errors: FieldError[]) {
    super(message, { errors });
  }
}

/**
 * The total is above what the event contracts carry (MAX_MONEY_AMOUNT): every consumer of the order's
 * events would refuse them, so the order is refused before anything is stored.
 */
export class OrderTotalTooLarge extends BusinessRuleError {
  override readonly code = 'order-total-too-large';
  constructor(total: Money) {
    super(
      `The order total of ${total.amount} (${total.currency} minor units) exceeds the limit of ` +
        `${MAX_MONEY_AMOUNT} per order: order fewer units, or split them over several orders.`,
      { total, maxTotal: { amount: MAX_MONEY_AMOUNT, currency: total.currency } },
    );
  }
}

export interface RequestedLine {
  productId: string;
  quantity: number;
}

/** One line per product, in the order products first appear; quantities of repeated products add up. */
export function mergeLines(lines: readonly RequestedLine[]): RequestedLine[] {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

/**
 * Freezes each line's unit price from the known prices. Every requested line whose product has no known
 * price, or whose currency differs from the first line's, is reported with its request path; a total
 * above the money limit is refused as a whole (each line is at most the total, so no line exceeds it).
 */
export function priceLines(
  requested: readonly RequestedLine[],
  prices: ReadonlyMap<string, Money>,
): { items: OrderLine[]; total: Money } {
  const unknown = requested.flatMap((line, index) =>
    prices.has(line.productId)
      ? []
      : [{ path: `items.${index}.productId`, message: `no known price for product "${line.productId}"` }],
  );
  if (unknown.length > 0) {
    throw new OrderNotPriceable('Some products of the order are unknown or not for sale.', unknown);
  }
  const currency = prices.get(requested[0]?.productId ?? '')?.currency;
  const mixed = requested.flatMap((line, index) =>
    prices.get(line.productId)?.currency === currency
      ? []
      : [{ path: `items.${index}.productId`, message: `is not priced in ${currency}` }],
  );
  if (mixed.length > 0 || currency === undefined) {
    throw new OrderNotPriceable('All products of one order must be priced in the same currency.', mixed);
  }
  const items = mergeLines(requested).map((line) => ({
    ...line,
    unitPrice: prices.get(line.productId) as Money,
  }));
  const amount = items.reduce((sum, line) => sum + line.quantity * line.unitPrice.amount, 0);
  if (amount > MAX_MONEY_AMOUNT) throw new OrderTotalTooLarge({ amount, currency });
  return { items, total: { amount, currency } };
}

export function newOrder(input: {
  orderId: string;
  customerId: string;
  items: OrderLine[];
  total: Money;
  correlationId: string;
  now: Date;
}): Order {
  const timestamp = input.now.toISOString();
  return {
    orderId: input.orderId,
    customerId: input.customerId,
    status: 'PENDING',
    items: input.items,
    total: input.total,
    paymentUnavailable: false,
    correlationId: input.correlationId,
    version: 1,
    createdAt: timestamp,
    updatedAt: timestamp,
  };
}

/** The order's VIEW_FIELDS, leaving out the optional ones it does not have (a reason before cancellation). */
export function toView(order: Order): OrderView {
  const shown = VIEW_FIELDS.filter((field) => order[field] !== undefined);
  return Object.fromEntries(shown.map((field) => [field, order[field]])) as OrderView;
}

/** Owners and admins may see an order; to anyone else it does not exist. */
export function canRead(order: Order, requester: Requester): boolean {
  return requester.isAdmin || order.customerId === requester.customerId;
}

/** True once an order has been PENDING for at least `deadlineSeconds`. */
export function isOverdue(order: Order, now: Date, deadlineSeconds: number): boolean {
  return Date.parse(order.createdAt) + deadlineSeconds * 1000 <= now.getTime();
}

// ---------------------------------------------------------------------------------------------------
// The state machine: PENDING → CONFIRMED | CANCELLED; CONFIRMED → CANCELLED (by the customer only).

/** Everything that may move an order: saga facts, the deadline, the customer. */
export type OrderTrigger =
  | { type: 'StockReservationFailed' }
  | { type: 'PaymentAuthorized' }
  | { type: 'PaymentDeclined' }
  | { type: 'PaymentUnavailable' }
  | { type: 'DeadlinePassed'; deadlineSeconds: number }
  | { type: 'CancelledByCustomer' };

/** The facts of inventory and payments that move an order (delivered in order per order, FIFO). */
export type SagaTrigger = Extract<
  OrderTrigger,
  { type: 'StockReservationFailed' | 'PaymentAuthorized' | 'PaymentDeclined' | 'PaymentUnavailable' }
>;

/** What the rest of the saga must learn about a change. */
export type OrderOutcome =
  | { type: 'OrderConfirmed' }
  | { type: 'OrderCancelled'; reason: CancellationReason; wasConfirmed: boolean };

export type Transition =
  /** The trigger does not apply in the order's state (a duplicate, a late arrival): nothing changes. */
  { kind: 'ignored' } | { kind: 'changed'; order: Order; outcome?: OrderOutcome };

const IGNORED: Transition = { kind: 'ignored' };

function changed(order: Order, now: Date, change: Partial<Order>, outcome?: OrderOutcome): Transition {
  const next = { ...order, ...change, version: order.version + 1, updatedAt: now.toISOString() };
  return outcome ? { kind: 'changed', order: next, outcome } : { kind: 'changed', order: next };
}

function cancel(order: Order, reason: CancellationReason, now: Date): Transition {
  const wasConfirmed = order.status === 'CONFIRMED';
  return changed(
    order,
    now,
    { status: 'CANCELLED', reason },
    { type: 'OrderCancelled', reason, wasConfirmed },
  );
}

/** The one place that decides how an order reacts to a trigger. Pure. */
export function transition(order: Order, trigger: OrderTrigger, now: Date): Transition {
  const pending = order.status === 'PENDING';
  switch (trigger.type) {
    case 'StockReservationFailed':
      return pending ? cancel(order, 'OUT_OF_STOCK', now) : IGNORED;
    case 'PaymentAuthorized':
      return pending ? changed(order, now, { status: 'CONFIRMED' }, { type: 'OrderConfirmed' }) : IGNORED;
    case 'PaymentDeclined':
      return pending ? cancel(order, 'PAYMENT_DECLINED', now) : IGNORED;
    case 'PaymentUnavailable':
      return pending && !order.paymentUnavailable
        ? changed(order, now, { paymentUnavailable: true })
        : IGNORED;
    case 'DeadlinePassed':
      if (!pending || !isOverdue(order, now, trigger.deadlineSeconds)) return IGNORED;
      return cancel(order, order.paymentUnavailable ? 'PAYMENT_UNAVAILABLE' : 'TIMEOUT', now);
    case 'CancelledByCustomer':
      return order.status === 'CANCELLED' ? IGNORED : cancel(order, 'CANCELLED_BY_CUSTOMER', now);
  }
}
