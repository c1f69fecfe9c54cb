import CircuitBreaker from 'opossum';
import {
  type AuthorizationRequest,
  type AuthorizationResult,
  type PaymentProvider,
  PaymentProviderRejected,
  PaymentProviderUnavailable,
  type VoidResult,
} from '../ports.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface ResilienceSettings {
  /** A call that takes longer fails (and counts against the circuit). */
  timeoutMs: number;
  /** The circuit opens when more than this share of recent calls failed… */
  errorThresholdPercentage: number;
  /** …provided at least this many calls were made in the rolling window. */
  volumeThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  resetTimeoutMs: number;
  /** Length of the rolling window of statistics. */
  rollingWindowMs: number;
  /** Attempts per operation (1 = no retry); only unavailability is retried, never a decline. */
  retryAttempts: number;
  /** First backoff delay; doubled at each further attempt, plus up to as much again of jitter. */
  retryBaseDelayMs: number;
}

export const DEFAULT_RESILIENCE: ResilienceSettings = {
  timeoutMs: 2_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 3,
  resetTimeoutMs: 5_000,
  rollingWindowMs: 10_000,
  retryAttempts: 3,
  retryBaseDelayMs: 100,
};

export interface CircuitObserver {
  onStateChange(state: CircuitState, stats: { failures: number; fires: number; rejects: number }): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wraps a PaymentProvider in a circuit breaker (opossum) and retries with exponential backoff.
 *
 * - Only unavailability counts against the circuit and is retried. A declined card is a successful call; a
 *   request the provider refuses (PaymentProviderRejected) is a bug to surface, not an outage.
 * - While the circuit is open, calls fail at once with PaymentProviderUnavailable('circuit-open') and are not
 *   retried: the caller records the operation as pending and the scheduled retry comes back later.
 * - The circuit is per execution environment (see docs/decisions.md).
 */
export class ResilientPaymentProvider implements PaymentProvider {
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;

  constructor(
    private readonly inner: PaymentProvider,
    private readonly settings: ResilienceSettings = DEFAULT_RESILIENCE,
    observer?: CircuitObserver,
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
  ) {
    this.breaker = new CircuitBreaker((operation: () => Promise<unknown>) => operation(), {
      name: 'payment-provider',
      timeout: settings.timeoutMs,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      resetTimeout: settings.resetTimeoutMs,
      rollingCountTimeout: settings.rollingWindowMs,
      rollingPercentilesEnabled: false,
      // Filtered errors still reject, but count as successes for the circuit.
      errorFilter: (error: unknown) => error instanceof PaymentProviderRejected,
    });
    if (observer) {
      const report = (state: CircuitState) => () => {
        const { failures, fires, rejects } = this.breaker.stats;
        observer.onStateChange(state, { failures, fires, rejects });
      };
      this.breaker.on('open', report('open'));
      this.breaker.on('halfOpen', report('half-open'));
      this.breaker.on('close', report('closed'));
    }
  }

  get state(): CircuitState {
    if (this.breaker.opened) return 'open';
    return this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    return this.call(() => this.inner.authorize(request));
  }

  capture(request: { authorizationId: string; idempotencyKey: string }): Promise<{ captureId: string }> {
    return this.call(() => this.inner.capture(request));
  }

  void(request: { authorizationId: string; idempotencyKey: string }): Promise<VoidResult> {
    return this.call(() => this.inner.void(request));
  }

  refund(request: { authorizationId: string; idempotencyKey: string }): Promise<{ refundId: string }> {
    return this.call(() => this.inner.refund(request));
  }

  /** Stops the circuit's timers (tests; a Lambda environment simply freezes). */
  shutdown(): void {
    this.breaker.shutdown();
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.breaker.fire(operation)) as T;
      } catch (error) {
        const unavailable = this.asUnavailable(error);
        if (!unavailable) throw error;
        if (unavailable.reason === 'circuit-open' || attempt >= this.settings.retryAttempts)
          throw unavailable;
        const delay = this.settings.retryBaseDelayMs * 2 ** (attempt - 1);
        await this.wait(delay + Math.random() * delay);
      }
    }
  }

  /** Opossum's own failures (open circuit, its timeout) are unavailability too. */
  private asUnavailable(error: unknown): PaymentProviderUnavailable | undefined {
    if (error instanceof PaymentProviderUnavailable) return error;
    const code = (error as { code?: unknown } | undefined)?.code;
    if (code === 'EOPENBREAKER') {
      return new PaymentProviderUnavailable('The payment provider circuit is open', 'circuit-open', {
        cause: error,
      });
    }
    if (code === 'ETIMEDOUT' && CircuitBreaker.isOurError(error as Error)) {
      return new PaymentProviderUnavailable(
        `The provider did not answer within ${this.settings.timeoutMs} ms`,
        'timeout',
        { cause: error },
      );
    }
    return undefined;
  }
}
