import type { EventContract } from '../../events/envelope.js';
import type {
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPlacedV1,
  OrderPlacedV2,
} from '../../events/orders/index.js';
import { retryOnConflict } from '../../shared/dynamodb/retry-on-conflict.js';
import { evolve, type OrderChange, OrderHistoryConflict } from './model.js';
import type { OrderHistory } from './ports.js';

type DataOf<Contract> = Contract extends EventContract<string, infer Data> ? Data : never;
/** Both OrderPlaced versions say the same about the order; the view never reads their card token. */
type PlacedData = DataOf<typeof OrderPlacedV2> | DataOf<typeof OrderPlacedV1>;
type OrderData = PlacedData | DataOf<typeof OrderConfirmedV1> | DataOf<typeof OrderCancelledV1>;

/** Timestamps may carry any offset; stored in UTC they compare and sort as strings. */
const utc = (timestamp: string) => new Date(timestamp).toISOString();

/** Only what the view shows: events may carry fields this projection does not know. */
function common(data: OrderData): Omit<OrderChange, 'status' | 'at' | 'reason'> {
  return {
    orderId: data.orderId,
    customerId: data.customerId,
    items: data.items.map(({ productId, quantity, unitPrice }) => ({
      productId,
      quantity,
      unitPrice: { amount: unitPrice.amount, currency: unitPrice.currency },
    })),
    total: { amount: data.total.amount, currency: data.total.currency },
    ...(data.orderVersion === undefined ? {} : { orderVersion: data.orderVersion }),
  };
}

/** What each order event says about its order. */
export const orderChangeOf = {
  placed: (data: PlacedData): OrderChange => ({
    ...common(data),
    status: 'PENDING',
    at: utc(data.placedAt),
  }),
  confirmed: (data: DataOf<typeof OrderConfirmedV1>): OrderChange => ({
    ...common(data),
    status: 'CONFIRMED',
    at: utc(data.confirmedAt),
  }),
  cancelled: (data: DataOf<typeof OrderCancelledV1>): OrderChange => ({
    ...common(data),
    status: 'CANCELLED',
    reason: data.reason,
    at: utc(data.cancelledAt),
  }),
};

export type ProjectionOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Folds one order event into the customer's order history. Deliveries may be duplicated, late or out of
 * order: `evolve` keeps the newest state by order version (status rank for events without one), so the
 * same events give the same entry whatever their order, and a duplicate writes nothing. The write is
 * conditional on the entry read, so concurrent deliveries for one order never undo each other; after the
 * shared policy's attempts a conflict is left to the delivery's own retry.
 */
export async function projectOrderChange(
  change: OrderChange,
  ports: { history: OrderHistory },
): Promise<ProjectionOutcome> {
  return retryOnConflict(
    async (): Promise<ProjectionOutcome> => {
      const stored = await ports.history.get(change.orderId);
      const next = evolve(stored, change);
      if (!next) return 'unchanged';
      await ports.history.save(next, stored?.revision);
      return stored ? 'updated' : 'created';
    },
    { retryOn: (error) => error instanceof OrderHistoryConflict },
  );
}
