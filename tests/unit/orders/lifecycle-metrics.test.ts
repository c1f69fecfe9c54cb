import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lifecycleMetrics, ORDER_METRICS } from '../../../functions/orders/lifecycle-metrics.js';
import { metrics } from '../../../shared/observability.js';
import { anOrder } from './fakes.js';

const placedAt = '2026-01-01T10:00:00.000Z';
const order = (updatedAt: string) => ({ ...anOrder(), createdAt: placedAt, updatedAt });

describe('the orders metrics the dashboard reads', () => {
  afterEach(() => vi.restoreAllMocks());

  it('counts a placement', () => {
    const added = vi.spyOn(metrics, 'addMetric');
    lifecycleMetrics.placed(order(placedAt));
    expect(added.mock.calls).toEqual([[ORDER_METRICS.placed, MetricUnit.Count, 1]]);
  });

  it('counts a confirmation and times the saga from placement', () => {
    const added = vi.spyOn(metrics, 'addMetric');
    lifecycleMetrics.changed(order('2026-01-01T10:00:01.250Z'), { type: 'OrderConfirmed' });
    expect(added.mock.calls).toEqual([
      [ORDER_METRICS.confirmed, MetricUnit.Count, 1],
      [ORDER_METRICS.sagaDuration, MetricUnit.Milliseconds, 1250],
    ]);
  });

  it('counts a cancellation by its reason; only one before confirmation ends the saga', () => {
    const dimensions: Array<[string, string]> = [];
    const single = {
      addDimension: vi.fn((n: string, v: string) => dimensions.push([n, v])),
      addMetric: vi.fn(),
    };
    vi.spyOn(metrics, 'singleMetric').mockReturnValue(single as never);
    const added = vi.spyOn(metrics, 'addMetric');

    lifecycleMetrics.changed(order('2026-01-01T10:00:03.000Z'), {
      type: 'OrderCancelled',
      reason: 'PAYMENT_DECLINED',
      wasConfirmed: false,
    });
    lifecycleMetrics.changed(order('2026-01-02T10:00:00.000Z'), {
      type: 'OrderCancelled',
      reason: 'CANCELLED_BY_CUSTOMER',
      wasConfirmed: true,
    });

    expect(dimensions).toEqual([
      ['reason', 'PAYMENT_DECLINED'],
      ['reason', 'CANCELLED_BY_CUSTOMER'],
    ]);
    expect(single.addMetric.mock.calls).toEqual([
      [ORDER_METRICS.cancelled, MetricUnit.Count, 1],
      [ORDER_METRICS.cancelled, MetricUnit.Count, 1],
    ]);
    expect(added.mock.calls).toEqual([[ORDER_METRICS.sagaDuration, MetricUnit.Milliseconds, 3000]]);
  });
});
