/**
 * The one rule for "another writer got there first, try again" and the one policy for how often and how
 * long to wait, used by every repository and use case that retries a write.
 */

/**
 * Attempts, the first included, for one unit of work. A transaction conflict lasts as long as the
 * competing transaction (tens of milliseconds), so a few jittered pauses clear it. With 5 attempts the
 * pauses add up to at most 40 + 80 + 160 + 320 = 600 ms; even where a use case's version loop wraps a
 * repository that retries its own transaction (5 × 5 writes and 5 × 600 + 600 ms of pauses), the worst
 * case stays well under the functions' 10 s timeout and the HTTP API's 30 s, so a retry never turns into
 * a Lambda timeout (whose in-progress idempotency record would block the redelivery).
 */
export const CONFLICT_ATTEMPTS = 5;
/** The ceiling of the first pause; it doubles at every further pause. */
export const CONFLICT_BASE_DELAY_MS = 20;

/** Waits before the given attempt (2 = the first retry). */
export type Pause = (attempt: number) => Promise<void>;

/** A use case's port for waiting while a race settles, so its tests need not wait. */
export interface Backoff {
  pause: Pause;
}

/**
 * Full jitter (a uniformly random wait between 0 and the doubling ceiling): racing writers of one item
 * spread out instead of colliding again in lockstep.
 */
export function fullJitterDelayMs(attempt: number, random: () => number = Math.random): number {
  return random() * CONFLICT_BASE_DELAY_MS * 2 ** (attempt - 1);
}

/** The policy's pause, for callers that take it as a port. */
export const conflictPause: Pause = (attempt) =>
  new Promise((resolve) => setTimeout(resolve, fullJitterDelayMs(attempt)));

/** The policy's pause as the `Backoff` port that composition roots hand their use cases. */
export const conflictBackoff: Backoff = { pause: conflictPause };

/**
 * DynamoDB refused a write because another transaction held the item: nothing was written, and the same
 * write may simply be sent again. That is a cancelled transaction with a `TransactionConflict` reason,
 * a single-item write that met a transaction (`TransactionConflictException`) or an idempotent
 * transaction still running (`TransactionInProgressException`, which the SDK retries a few times first).
 * A `ConditionalCheckFailed` is never one: the condition gave an answer (a business rule, or a version
 * read earlier that has changed) that callers map to their own typed errors.
 * Recognised by name, so errors of any copy of the SDK (and of tests) count.
 */
export function isTransactionConflict(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TransactionConflictException' || error.name === 'TransactionInProgressException') {
    return true;
  }
  if (error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return (
    reasons.some((reason) => reason.Code === 'TransactionConflict') &&
    !reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')
  );
}

export interface RetryPolicy {
  /** Which failures are worth another attempt; transaction conflicts by default. */
  retryOn?: (error: unknown) => boolean;
  /** Defaults to a full-jitter exponential pause; tests pass one that does not wait. */
  pause?: Pause;
}

/**
 * Runs `work` until it succeeds, fails with an error `retryOn` does not accept, or has been tried
 * CONFLICT_ATTEMPTS times; then the last error is thrown as it is (a consumer's delivery is retried, an HTTP
 * caller gets the mapped error). `work` must be safe to repeat: a cancelled transaction wrote nothing,
 * and a version conflict re-reads before it decides again.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const { retryOn = isTransactionConflict, pause = conflictPause } = policy;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= CONFLICT_ATTEMPTS || !retryOn(error)) throw error;
      await pause(attempt + 1);
    }
  }
}
