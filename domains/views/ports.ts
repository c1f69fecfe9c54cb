import type { OrderHistoryEntry, ProjectedOrder } from './model.js';

export interface OrderHistoryPage {
  items: ProjectedOrder[];
  nextCursor: string | null;
}

/** The views domain's read model of orders: one entry per order, listed per customer. */
export interface OrderHistory {
  get(orderId: string): Promise<ProjectedOrder | undefined>;
  /**
   * Stores `next` provided the stored entry is still at `expectedRevision` (`undefined`: there is no entry
   * yet); throws OrderHistoryConflict otherwise.
   */
  save(next: ProjectedOrder, expectedRevision: number | undefined): Promise<void>;
  /** A customer's entries, newest first (by createdAt, then orderId). */
  listByCustomer(customerId: string, page: { limit: number; cursor?: string }): Promise<OrderHistoryPage>;
}

export interface MyOrdersPage {
  items: OrderHistoryEntry[];
  nextCursor: string | null;
}
