import { type Payment, PaymentVersionConflict } from '../../../domains/payments/model.js';
import {
  type AuthorizationRequest,
  type AuthorizationResult,
  type PaymentProvider,
  PaymentProviderUnavailable,
  type PaymentRepository,
  type PendingPage,
  type VoidResult,
} from '../../../domains/payments/ports.js';
import type { EventEnvelope } from '../../../events/envelope.js';

/**
 * An in-memory PaymentRepository with the DynamoDB one's promises: payment and events are stored together,
 * optimistically on `version`; pending payments are listed oldest first.
 */
export class InMemoryPaymentRepository implements PaymentRepository {
  readonly payments = new Map<string, Payment>();
  readonly outbox: EventEnvelope[] = [];
  saves = 0;
  /** Runs before a save is applied: lets a test slip a concurrent update in. */
  beforeSave: ((payment: Payment) => Promise<void>) | undefined;

  async get(orderId: string): Promise<Payment | undefined> {
    const payment = this.payments.get(orderId);
    return payment && structuredClone(payment);
  }

  async save(payment: Payment, expectedVersion: number | undefined, events: EventEnvelope[]): Promise<void> {
    const hook = this.beforeSave;
    this.beforeSave = undefined;
    await hook?.(payment);
    const stored = this.payments.get(payment.orderId);
    if (stored?.version !== expectedVersion) throw new PaymentVersionConflict(payment.orderId);
    this.saves++;
    this.payments.set(payment.orderId, structuredClone(payment));
    this.outbox.push(...structuredClone(events));
  }

  async listPending(page: { limit: number; cursor?: string }): Promise<PendingPage> {
    const pending = [...this.payments.values()]
      .filter((p) => p.pendingSince !== undefined)
      .sort(
        (a, b) =>
          (a.pendingSince as string).localeCompare(b.pendingSince as string) ||
          a.orderId.localeCompare(b.orderId),
      );
    const start = page.cursor ? Number(page.cursor) : 0;
    const orderIds = pending.slice(start, start + page.limit).map((p) => p.orderId);
    const next = start + page.limit;
    return { orderIds, nextCursor: next < pending.length ? String(next) : null };
  }

  eventTypes(): string[] {
    return this.outbox.map((event) => event.metadata.eventType);
  }
}

type Operation = 'authorize' | 'capture' | 'void' | 'refund';

/**
 * A provider that behaves like the sandbox (tok_visa approved, idempotent by key) and can be switched
 * unavailable; every call is recorded.
 */
export class FakeProvider implements PaymentProvider {
  readonly calls: Array<{ operation: Operation; idempotencyKey: string; request: unknown }> = [];
  unavailable = false;
  /** Runs inside the next call of this operation, before it answers. */
  readonly during: Partial<Record<Operation, () => Promise<void>>> = {};
  private readonly answers = new Map<string, unknown>();
  private readonly captured = new Set<string>();
  private counter = 0;

  async authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    return this.once('authorize', request.idempotencyKey, request, () =>
      request.token === 'tok_visa'
        ? { outcome: 'approved', authorizationId: `auth-${++this.counter}` }
        : { outcome: 'declined', reason: 'card_declined' },
    );
  }

  async capture(request: {
    authorizationId: string;
    idempotencyKey: string;
  }): Promise<{ captureId: string }> {
    return this.once('capture', request.idempotencyKey, request, () => {
      this.captured.add(request.authorizationId);
      return { captureId: `cap-${++this.counter}` };
    });
  }

  async void(request: { authorizationId: string; idempotencyKey: string }): Promise<VoidResult> {
    return this.once('void', request.idempotencyKey, request, () =>
      this.captured.has(request.authorizationId) ? { outcome: 'already-captured' } : { outcome: 'voided' },
    );
  }

  async refund(request: { authorizationId: string; idempotencyKey: string }): Promise<{ refundId: string }> {
    return this.once('refund', request.idempotencyKey, request, () => ({
      refundId: `ref-${++this.counter}`,
    }));
  }

  count(operation: Operation): number {
    return this.calls.filter((call) => call.operation === operation).length;
  }

  private async once<T>(operation: Operation, key: string, request: unknown, perform: () => T): Promise<T> {
    this.calls.push({ operation, idempotencyKey: key, request });
    const hook = this.during[operation];
    delete this.during[operation];
    await hook?.();
    if (this.unavailable) throw new PaymentProviderUnavailable('The provider answered 503', 'server-error');
    if (!this.answers.has(key)) this.answers.set(key, perform());
    return this.answers.get(key) as T;
  }
}
