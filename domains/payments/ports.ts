import type { EventContract, EventEnvelope } from '../../events/envelope.js';
import type { Money } from '../../events/money.js';
import type { Clock } from '../../shared/clock.js';
import type { PaymentTokenOpener } from '../../shared/crypto/payment-token.js';
import type { Payment } from './model.js';

/** Opens the card token orders sealed for payments, just before the provider needs it (decisions.md). */
export type { PaymentTokenOpener };

export interface PendingPage {
  /** Orders with an operation owed to the provider, the longest waiting first. */
  orderIds: string[];
  nextCursor: string | null;
}

export interface PaymentRepository {
  get(orderId: string): Promise<Payment | undefined>;
  /**
   * Stores `payment` with its events atomically, provided the stored payment is still at `expectedVersion`
   * (`undefined`: no payment stored yet); otherwise throws PaymentVersionConflict.
   */
  save(payment: Payment, expectedVersion: number | undefined, events: EventEnvelope[]): Promise<void>;
  listPending(page: { limit: number; cursor?: string }): Promise<PendingPage>;
}

export interface AuthorizationRequest {
  orderId: string;
  amount: Money;
  token: string;
  idempotencyKey: string;
}

export type AuthorizationResult =
  | { outcome: 'approved'; authorizationId: string }
  /** A business answer (card declined): final, never retried. */
  | { outcome: 'declined'; reason: string };

export type VoidResult =
  | { outcome: 'voided' }
  /** The authorization had been captured after all (e.g. by a concurrent retry): refund it instead. */
  | { outcome: 'already-captured' };

/**
 * The payment provider. Every mutating call carries an idempotency key, so repeating a call whose answer was
 * lost never charges twice. Unavailability (timeout, 5xx, network, open circuit) is thrown as
 * PaymentProviderUnavailable; a declined card is an answer, not an error.
 */
export interface PaymentProvider {
  authorize(request: AuthorizationRequest): Promise<AuthorizationResult>;
  capture(request: { authorizationId: string; idempotencyKey: string }): Promise<{ captureId: string }>;
  void(request: { authorizationId: string; idempotencyKey: string }): Promise<VoidResult>;
  refund(request: { authorizationId: string; idempotencyKey: string }): Promise<{ refundId: string }>;
}

/** The provider could not give an answer; the operation may be tried again later. */
export class PaymentProviderUnavailable extends Error {
  constructor(
    message: string,
    readonly reason: 'timeout' | 'server-error' | 'network' | 'circuit-open',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PaymentProviderUnavailable';
  }
}

/** The provider refused the request itself (bad key, unknown authorization, invalid state): a bug, not an outage. */
export class PaymentProviderRejected extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'PaymentProviderRejected';
  }
}

/** The envelope of a contract's event, as a consumer receives it. */
export type EventOf<Contract> =
  Contract extends EventContract<string, infer Data> ? EventEnvelope<Data> : never;

/** What settling a payment with the provider needs. */
export interface ProviderPorts {
  provider: PaymentProvider;
  tokens: PaymentTokenOpener;
  clock: Clock;
}

/** What every payment use case needs. */
export interface PaymentPorts extends ProviderPorts {
  payments: PaymentRepository;
  newId?: () => string;
}
