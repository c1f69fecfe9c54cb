import { isDeepStrictEqual } from 'node:util';
import type { Money } from '../../events/money.js';
import type { CancellationReason, orderLineSchema } from '../../events/orders/index.js';
import type * as z from '../../events/zod.js';
import { ConflictError } from '../../shared/errors.js';

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'CANCELLED';

/** A line as the order events carry it, without the fields a later contract version may add. */
export type OrderLine = Pick<z.infer<typeof orderLineSchema>, 'productId' | 'quantity' | 'unitPrice'>;

/** One order of a customer's history, as GET /orders shows it (API.md: the shape of GET /orders/{orderId}). */
export interface OrderHistoryEntry {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  items: OrderLine[];
  total: Money;
  reason?: CancellationReason;
  createdAt: string;
  updatedAt: string;
}

/** What one order event says about its order: every one of them carries the whole order. */
export type OrderChange = Omit<OrderHistoryEntry, 'createdAt' | 'updatedAt'> & {
  /** When the change happened (placedAt, confirmedAt, cancelledAt), normalized to UTC ISO-8601. */
  at: string;
  /** The order's version after the change; absent in events published before it was added. */
  orderVersion?: number;
};

/** The stored history entry with what the projection needs to stay correct under any delivery order. */
export interface ProjectedOrder extends OrderHistoryEntry {
  /** orderVersion of the change the entry shows; absent when that change carried none. */
  orderVersion?: number;
  /**
   * True once OrderPlaced was seen: `createdAt` is then the placement time. Before that it is the
   * earliest time seen among the order's other events, so the order is listed meanwhile.
   */
  placed: boolean;
  /** Optimistic concurrency of the stored entry: increases by one with every write. */
  revision: number;
}

/** Raised by the store when the entry is no longer at the expected revision (a concurrent delivery). */
export class OrderHistoryConflict extends ConflictError {
  override readonly code = 'order-history-conflict';
}

/** The lifecycle only moves forward: PENDING → CONFIRMED → CANCELLED, or PENDING → CANCELLED. */
const STATUS_RANK: Record<OrderStatus, number> = { PENDING: 1, CONFIRMED: 2, CANCELLED: 3 };

/**
 * Whether `change` is newer than what the entry shows: by orderVersion when both carry one, otherwise by
 * the status rank (each status is reached by exactly one event per order, and never left for a lower one,
 * so the rank orders the three events as the version does).
 */
export function isNewer(change: OrderChange, entry: ProjectedOrder): boolean {
  if (change.orderVersion !== undefined && entry.orderVersion !== undefined) {
    return change.orderVersion > entry.orderVersion;
  }
  return STATUS_RANK[change.status] > STATUS_RANK[entry.status];
}

const earliest = (a: string, b: string) => (a <= b ? a : b);

type Shown = Omit<ProjectedOrder, 'createdAt' | 'placed' | 'revision'>;

function shown(change: OrderChange): Shown {
  return {
    orderId: change.orderId,
    customerId: change.customerId,
    status: change.status,
    items: change.items,
    total: change.total,
    ...(change.reason ? { reason: change.reason } : {}),
    updatedAt: change.at,
    ...(change.orderVersion === undefined ? {} : { orderVersion: change.orderVersion }),
  };
}

/**
 * The entry after one change, or undefined when the change teaches nothing new (a duplicate, or an older
 * event arriving late). Pure. The result depends only on the set of changes seen, never on their order:
 * - status, lines, total, reason, updatedAt and orderVersion come from the newest change (`isNewer`);
 * - createdAt is the placement time once OrderPlaced was seen, before that the earliest time seen.
 */
export function evolve(entry: ProjectedOrder | undefined, change: OrderChange): ProjectedOrder | undefined {
  const placement = change.status === 'PENDING';
  if (!entry) return { ...shown(change), createdAt: change.at, placed: placement, revision: 1 };
  const { createdAt, placed, revision, ...current } = entry;
  const next: Shown & Pick<ProjectedOrder, 'createdAt' | 'placed'> = {
    ...(isNewer(change, entry) ? shown(change) : current),
    createdAt: placement ? change.at : placed ? createdAt : earliest(createdAt, change.at),
    placed: placed || placement,
  };
  return isDeepStrictEqual(next, { ...current, createdAt, placed })
    ? undefined
    : { ...next, revision: revision + 1 };
}

/** What the public API shows of an entry. */
export function toHistoryEntry(entry: ProjectedOrder): OrderHistoryEntry {
  return {
    orderId: entry.orderId,
    customerId: entry.customerId,
    status: entry.status,
    items: entry.items,
    total: entry.total,
    ...(entry.reason ? { reason: entry.reason } : {}),
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
  };
}
