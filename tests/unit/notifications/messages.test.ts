import { describe, expect, it } from 'vitest';
import { formatMoney, messageFor, reasonInWords } from '../../../domains/notifications/messages.js';
import type { CancellationReason } from '../../../events/orders/index.js';

const order = { orderId: 'ord-7f3c2a', customerId: 'alice', total: { amount: 11300, currency: 'EUR' } };

describe('formatMoney', () => {
  it.each([
    [{ amount: 11300, currency: 'EUR' }, '€113.00'],
    [{ amount: 5, currency: 'USD' }, '$0.05'],
    [{ amount: 123456789, currency: 'GBP' }, '£1,234,567.89'],
    [{ amount: 1200, currency: 'JPY' }, '¥1,200'],
    [{ amount: 1500, currency: 'KWD' }, 'KWD 1.500'],
  ])('formats %o from minor units as %s', (money, text) => {
    expect(formatMoney(money).replace(/\u00a0/g, ' ')).toBe(text);
  });
});

describe('messageFor', () => {
  it('confirms an order with its id, number of items and total, by name when known', () => {
    const message = messageFor(
      { kind: 'order-confirmed', ...order, items: [{ quantity: 2 }, { quantity: 1 }] },
      'Alice',
    );

    expect(message.subject).toBe('Your order ord-7f3c2a is confirmed');
    expect(message.body).toBe(
      'Hello Alice,\n\nyour order ord-7f3c2a is confirmed: 3 items, €113.00 in total.\n' +
        'Thank you for shopping with us.',
    );
  });

  it('greets without a name when none is known, and counts one item as one', () => {
    const message = messageFor({ kind: 'order-confirmed', ...order, items: [{ quantity: 1 }] });
    expect(message.body).toMatch(
      /^Hello,\n\nyour order ord-7f3c2a is confirmed: 1 item, €113\.00 in total\./,
    );
  });

  it('explains a cancellation in words and whether money comes back', () => {
    const unpaid = messageFor({
      kind: 'order-cancelled',
      ...order,
      reason: 'OUT_OF_STOCK',
      wasConfirmed: false,
    });
    expect(unpaid.subject).toBe('Your order ord-7f3c2a was cancelled');
    expect(unpaid.body).toContain(
      'your order ord-7f3c2a (€113.00) was cancelled because some of its items are out of stock.',
    );
    expect(unpaid.body).toContain('You have not been charged.');

    const paid = messageFor({
      kind: 'order-cancelled',
      ...order,
      reason: 'CANCELLED_BY_CUSTOMER',
      wasConfirmed: true,
    });
    expect(paid.body).toContain('was cancelled because you cancelled it.');
    expect(paid.body).toContain('The €113.00 you paid will be refunded.');
  });

  it.each<[CancellationReason, string]>([
    ['OUT_OF_STOCK', 'some of its items are out of stock'],
    ['PAYMENT_DECLINED', 'your payment was declined'],
    ['PAYMENT_UNAVAILABLE', 'we could not reach the payment provider in time'],
    ['CANCELLED_BY_CUSTOMER', 'you cancelled it'],
    ['TIMEOUT', 'it could not be completed in time'],
  ])('puts %s in words', (reason, words) => {
    expect(reasonInWords(reason)).toBe(words);
  });

  it("tells a declined payment with the amount and the provider's reason", () => {
    const message = messageFor({
      kind: 'payment-declined',
      orderId: 'ord-7f3c2a',
      customerId: 'alice',
      amount: { amount: 11300, currency: 'EUR' },
      declineReason: 'card_declined',
    });

    expect(message.subject).toBe('Payment for order ord-7f3c2a declined');
    expect(message.body).toContain(
      'the payment of €113.00 for your order ord-7f3c2a was declined (card declined).',
    );
    expect(message.body).toContain('Please place it again with another payment method.');
  });
});
