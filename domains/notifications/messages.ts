import type { Money } from '../../events/money.js';
import type { CancellationReason } from '../../events/orders/index.js';
import type { NotificationFact } from './model.js';

export interface Message {
  subject: string;
  body: string;
}

/** Minor units in the currency's own number of decimals: 11300 EUR is €113.00, 1200 JPY is ¥1,200. */
export function formatMoney(money: Money): string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: money.currency });
  const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(money.amount / 10 ** decimals);
}

const REASONS: Record<CancellationReason, string> = {
  OUT_OF_STOCK: 'some of its items are out of stock',
  PAYMENT_DECLINED: 'your payment was declined',
  PAYMENT_UNAVAILABLE: 'we could not reach the payment provider in time',
  CANCELLED_BY_CUSTOMER: 'you cancelled it',
  TIMEOUT: 'it could not be completed in time',
};

export function reasonInWords(reason: CancellationReason): string {
  return REASONS[reason];
}

function greeting(name: string | undefined): string {
  return name ? `Hello ${name},` : 'Hello,';
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The subject and text of the notification about a fact, addressed by name when the name is known. */
export function messageFor(fact: NotificationFact, name?: string): Message {
  const lines = (...text: string[]) => [greeting(name), '', ...text].join('\n');
  switch (fact.kind) {
    case 'order-confirmed': {
      const count = fact.items.reduce((sum, line) => sum + line.quantity, 0);
      return {
        subject: `Your order ${fact.orderId} is confirmed`,
        body: lines(
          `your order ${fact.orderId} is confirmed: ${plural(count, 'item')}, ${formatMoney(fact.total)} in total.`,
          'Thank you for shopping with us.',
        ),
      };
    }
    case 'order-cancelled':
      return {
        subject: `Your order ${fact.orderId} was cancelled`,
        body: lines(
          `your order ${fact.orderId} (${formatMoney(fact.total)}) was cancelled because ${reasonInWords(fact.reason)}.`,
          fact.wasConfirmed
            ? `The ${formatMoney(fact.total)} you paid will be refunded.`
            : 'You have not been charged.',
        ),
      };
    case 'payment-declined':
      return {
        subject: `Payment for order ${fact.orderId} declined`,
        body: lines(
          `the payment of ${formatMoney(fact.amount)} for your order ${fact.orderId} was declined` +
            ` (${fact.declineReason.replaceAll('_', ' ') || 'no reason given'}).`,
          'The order will not be shipped. Please place it again with another payment method.',
        ),
      };
  }
}
