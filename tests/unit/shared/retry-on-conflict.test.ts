import {
  ConditionalCheckFailedException,
  TransactionConflictException,
  TransactionInProgressException,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CONFLICT_ATTEMPTS,
  CONFLICT_BASE_DELAY_MS,
  fullJitterDelayMs,
  isTransactionConflict,
  retryOnConflict,
} from '../../../shared/dynamodb/retry-on-conflict.js';
import { transactionCancelled as cancelledWith } from './dynamodb-errors.js';

const $metadata = {};

/** A pause that does not wait but records which attempt it was asked to wait for. */
function recordingPause() {
  const attempts: number[] = [];
  return { attempts, pause: async (attempt: number) => void attempts.push(attempt) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('isTransactionConflict', () => {
  it.each([
    ['a transaction cancelled by a concurrent transaction', cancelledWith('None', 'TransactionConflict')],
    [
      'a single-item write that met a transaction',
      new TransactionConflictException({ message: 'x', $metadata }),
    ],
    [
      'an idempotent transaction still in progress',
      new TransactionInProgressException({ message: 'x', $metadata }),
    ],
  ])('retries %s', (_case, error) => {
    expect(isTransactionConflict(error)).toBe(true);
  });

  it.each([
    ['a failed condition in a transaction', cancelledWith('ConditionalCheckFailed', 'None')],
    ['a failed condition beside a conflict', cancelledWith('ConditionalCheckFailed', 'TransactionConflict')],
    [
      'a failed condition of a single write',
      new ConditionalCheckFailedException({ message: 'x', $metadata }),
    ],
    ['a cancellation for another reason', cancelledWith('ValidationError')],
    ['any other error', new Error('boom')],
    ['a non-error', 'TransactionConflict'],
  ])('does not retry %s', (_case, error) => {
    expect(isTransactionConflict(error)).toBe(false);
  });
});

describe('retryOnConflict', () => {
  it('sends the work again after a transaction conflict, and returns what the retry returns', async () => {
    const { attempts, pause } = recordingPause();
    const work = vi
      .fn()
      .mockRejectedValueOnce(cancelledWith('TransactionConflict'))
      .mockResolvedValueOnce('done');

    await expect(retryOnConflict(work, { pause })).resolves.toBe('done');

    expect(work).toHaveBeenCalledTimes(2);
    expect(attempts).toEqual([2]);
  });

  it(`gives up after ${CONFLICT_ATTEMPTS} attempts and throws the last conflict`, async () => {
    const { attempts, pause } = recordingPause();
    const conflict = cancelledWith('TransactionConflict');
    const work = vi.fn().mockRejectedValue(conflict);

    await expect(retryOnConflict(work, { pause })).rejects.toBe(conflict);

    expect(work).toHaveBeenCalledTimes(CONFLICT_ATTEMPTS);
    expect(attempts).toEqual([2, 3, 4, 5]);
  });

  it('passes a non-retriable error through at once', async () => {
    const { attempts, pause } = recordingPause();
    const conditionFailed = cancelledWith('ConditionalCheckFailed');
    const work = vi.fn().mockRejectedValue(conditionFailed);

    await expect(retryOnConflict(work, { pause })).rejects.toBe(conditionFailed);

    expect(work).toHaveBeenCalledTimes(1);
    expect(attempts).toEqual([]);
  });

  it('retries what the caller names instead, e.g. its typed version conflict, with the same attempt count', async () => {
    class VersionConflict extends Error {}
    const { pause } = recordingPause();
    const work = vi.fn().mockRejectedValue(new VersionConflict());

    await expect(
      retryOnConflict(work, { retryOn: (error) => error instanceof VersionConflict, pause }),
    ).rejects.toBeInstanceOf(VersionConflict);
    expect(work).toHaveBeenCalledTimes(CONFLICT_ATTEMPTS);

    const conflict = cancelledWith('TransactionConflict');
    const other = vi.fn().mockRejectedValue(conflict);
    await expect(
      retryOnConflict(other, { retryOn: (error) => error instanceof VersionConflict, pause }),
    ).rejects.toBe(conflict);
    expect(other).toHaveBeenCalledTimes(1);
  });

  it('waits with full jitter by default: never longer than the doubling ceiling', async () => {
    vi.useFakeTimers();
    const work = vi
      .fn()
      .mockRejectedValueOnce(cancelledWith('TransactionConflict'))
      .mockResolvedValueOnce('ok');

    const result = retryOnConflict(work);
    await vi.advanceTimersByTimeAsync(2 * CONFLICT_BASE_DELAY_MS);

    await expect(result).resolves.toBe('ok');
  });
});

describe('fullJitterDelayMs', () => {
  it('is uniformly between 0 and a ceiling that doubles from the base at every further attempt', () => {
    const ceiling = (attempt: number) => fullJitterDelayMs(attempt, () => 1);
    expect([2, 3, 4, 5].map(ceiling)).toEqual([2, 4, 8, 16].map((k) => k * CONFLICT_BASE_DELAY_MS));
    expect(fullJitterDelayMs(5, () => 0)).toBe(0);
    expect(fullJitterDelayMs(3, () => 0.5)).toBe(ceiling(3) / 2);
    for (let i = 0; i < 200; i++) {
      const delay = fullJitterDelayMs(4);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceiling(4));
    }
  });

  it('keeps the worst case of all pauses of one unit of work under a second', () => {
    const worst = Array.from({ length: CONFLICT_ATTEMPTS - 1 }, (_, i) => fullJitterDelayMs(i + 2, () => 1));
    expect(worst.reduce((sum, ms) => sum + ms, 0)).toBeLessThan(1000);
  });
});
