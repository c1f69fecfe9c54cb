import type { CausalContext } from '../../events/envelope.js';
import { owedOperation, owing, type Payment } from './model.js';
import type { PaymentPorts } from './ports.js';
import {
  type PaymentOutcome,
  type PaymentResult,
  type Step,
  settle,
  unchanged,
  updatePayment,
} from './settle-with-provider.js';

export interface RetrySummary {
  examined: number;
  outcomes: Partial<Record<PaymentOutcome, number>>;
  failures: Array<{ orderId: string; error: string }>;
  /** False when the run stopped early (time budget); the rest waits for the next run. */
  complete: boolean;
}

export interface RetryOptions {
  pageSize?: number;
  /** Asked before each payment; the scheduled function stops well before its timeout. */
  hasTimeLeft?: () => boolean;
}

/**
 * Retries every operation owed to the provider (authorizations, captures, voids, refunds waiting since an
 * outage), the longest waiting first. Each payment is updated optimistically, so an order cancelled
 * meanwhile is never authorized nor captured after its cancellation. One payment failing does not stop the
 * others.
 */
export async function retryPendingPayments(
  ports: PaymentPorts,
  options: RetryOptions = {},
): Promise<RetrySummary> {
  const pageSize = options.pageSize ?? 25;
  const hasTimeLeft = options.hasTimeLeft ?? (() => true);
  const summary: RetrySummary = { examined: 0, outcomes: {}, failures: [], complete: true };
  let cursor: string | undefined;
  do {
    const page = await ports.payments.listPending({ limit: pageSize, cursor });
    for (const orderId of page.orderIds) {
      if (!hasTimeLeft()) {
        summary.complete = false;
        return summary;
      }
      summary.examined++;
      try {
        const { outcome } = await retryPendingPayment(orderId, ports);
        summary.outcomes[outcome] = (summary.outcomes[outcome] ?? 0) + 1;
      } catch (error) {
        summary.failures.push({ orderId, error: error instanceof Error ? error.message : String(error) });
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return summary;
}

/** Retries the operation one payment owes, if it still owes one. */
export function retryPendingPayment(orderId: string, ports: PaymentPorts): Promise<PaymentResult> {
  /** An authorization this retry obtained before a concurrent cancellation was stored. */
  let lateAuthorization: string | undefined;
  return updatePayment(orderId, ports.payments, async (current) => {
    if (!current) return unchanged('not-pending');
    const trace: CausalContext = { correlationId: current.correlationId, causationId: current.causationId };
    if (lateAuthorization && current.cancelledAt && !current.authorizationId) {
      // The order was cancelled while its card was being authorized: release the hold at once.
      return settle(owing({ ...current, authorizationId: lateAuthorization }, 'VOID_PENDING'), ports, trace);
    }
    if (!owedOperation(current)) return unchanged('not-pending');
    const step = await settle(current, ports, trace);
    if (step.next?.status === 'AUTHORIZED') lateAuthorization = step.next.authorizationId;
    return stillWaiting(current, step) ? unchanged('unavailable') : step;
  });
}

/** Still unavailable, already recorded and announced: writing it again would change nothing. */
function stillWaiting(current: Payment, step: Step): boolean {
  return step.outcome === 'unavailable' && step.events.length === 0 && current.pendingSince !== undefined;
}
