import { describe, expect, it } from 'vitest';
import { IdempotencyKeyReused } from '../../../domains/orders/model.js';
import { placeOrder, requestHashOf } from '../../../domains/orders/place-order.js';
import { FakePaymentTokenCipher } from '../shared/payment-token-fakes.js';
import { eur, FixedClock, InMemoryOrderRepository, InMemoryPriceBook, T0 } from './fakes.js';

/*
 * Decision 10: an Idempotency-Key replays the order only for the same body. The hash covers every
 * field that changes what is bought or paid; a retry that asks for more cups under the same key must
 * be refused (409), not answered with the order for fewer.
 */
const trace = { correlationId: 'req-1', causationId: 'req-1' };
const ALICE_KEY_1 = { customerId: 'alice', idempotencyKey: 'key-1' };

const cupLines = (quantity: number) => ({ productId: 'espresso-cup', quantity });
const grinderLines = (quantity: number) => ({ productId: 'hand-grinder', quantity });
const order = (cups: number, grinders = 1, paymentToken = 'tok_visa') => ({
  items: [cupLines(cups), grinderLines(grinders)],
  paymentToken,
});

function shop() {
  let ids = 0;
  return {
    orders: new InMemoryOrderRepository(),
    prices: new InMemoryPriceBook([
      { productId: 'espresso-cup', price: eur(1200), priceVersion: 1 },
      { productId: 'hand-grinder', price: eur(8900), priceVersion: 1 },
    ]),
    tokens: new FakePaymentTokenCipher(),
    clock: new FixedClock(T0),
    newId: () => `ord-${++ids}`,
  };
}

describe('the order request hash', () => {
  it('differs when only a quantity differs', () => {
    expect(requestHashOf(order(3))).not.toBe(requestHashOf(order(2)));
    expect(requestHashOf(order(2, 2))).not.toBe(requestHashOf(order(2, 1)));
  });

  it('differs when only the payment token or the products differ', () => {
    expect(requestHashOf(order(2, 1, 'tok_other'))).not.toBe(requestHashOf(order(2)));
    expect(
      requestHashOf({ ...order(2), items: [{ productId: 'milk-jug', quantity: 2 }, grinderLines(1)] }),
    ).not.toBe(requestHashOf(order(2)));
  });

  it('is the same for the same lines listed in another order or split up', () => {
    expect(requestHashOf({ ...order(2), items: [grinderLines(1), cupLines(2)] })).toBe(
      requestHashOf(order(2)),
    );
    expect(requestHashOf({ ...order(2), items: [cupLines(1), grinderLines(1), cupLines(1)] })).toBe(
      requestHashOf(order(2)),
    );
  });
});

describe('placing an order again under the same Idempotency-Key', () => {
  it('refuses another quantity of the same products with a 409, storing nothing more', async () => {
    const ports = shop();
    await placeOrder(order(2), ALICE_KEY_1, ports, trace);

    const moreCups = placeOrder(order(3), ALICE_KEY_1, ports, trace);

    await expect(moreCups).rejects.toBeInstanceOf(IdempotencyKeyReused);
    await expect(moreCups).rejects.toMatchObject({ status: 409, code: 'idempotency-key-reused' });
    expect(ports.orders.orders.size).toBe(1);
    expect(ports.orders.outbox).toHaveLength(1);
  });
});
