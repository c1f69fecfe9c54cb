import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  recordLegacyPaymentIntent,
  recordPaymentIntent,
  recordStockReserved,
} from '../../domains/payments/authorize-payment.js';
import { cancelPayment } from '../../domains/payments/cancel-payment.js';
import { capturePayment } from '../../domains/payments/capture-payment.js';
import type { PaymentResult } from '../../domains/payments/settle-with-provider.js';
import { StockReservedV1 } from '../../events/inventory/index.js';
import {
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPlacedV1,
  OrderPlacedV2,
} from '../../events/orders/index.js';
import { on } from '../../shared/consumers/bus-event.js';
import { sqsFifoEventConsumer } from '../../shared/consumers/sqs-fifo.js';
import { logger, metrics } from '../../shared/observability.js';
import { paymentPorts } from './dependencies.js';

/**
 * The order saga as payments sees it, one order at a time (FIFO group = order id). An unavailable provider
 * never fails the message: the operation is recorded as pending and retried by paymentsRetryPending.
 * A redelivered event changes nothing: each step applies only to the status it expects and is saved on
 * the version it read (`duplicate`, `ignored`), and provider calls carry an idempotency key per order and
 * operation.
 */
function report(result: PaymentResult): void {
  logger.info('Payment step done', { ...result });
  if (result.outcome === 'unavailable') metrics.addMetric('PaymentProviderUnavailable', MetricUnit.Count, 1);
}

export const handler = sqsFifoEventConsumer([
  on(OrderPlacedV2, async (event) => report(await recordPaymentIntent(event, paymentPorts()))),
  on(OrderPlacedV1, async (event) => report(await recordLegacyPaymentIntent(event, paymentPorts()))),
  on(StockReservedV1, async (event) => report(await recordStockReserved(event, paymentPorts()))),
  on(OrderConfirmedV1, async (event) => report(await capturePayment(event, paymentPorts()))),
  on(OrderCancelledV1, async (event) => report(await cancelPayment(event, paymentPorts()))),
]);
