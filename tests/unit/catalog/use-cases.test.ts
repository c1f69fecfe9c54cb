import { describe, expect, it } from 'vitest';
import { applyPriceChange, requestPriceChange } from '../../../domains/catalog/change-price.js';
import { createProduct } from '../../../domains/catalog/create-product.js';
import { getProduct, listProducts } from '../../../domains/catalog/get-product.js';
import { type Product, ProductAlreadyExists, ProductNotFound } from '../../../domains/catalog/model.js';
import type { PriceChangeQueue } from '../../../domains/catalog/ports.js';
import { type PriceChangeCommand, priceChangeCommandSchema } from '../../../domains/catalog/schemas.js';
import { PriceChangedV1, ProductCreatedV1 } from '../../../events/catalog/index.js';
import { FixedClock, InMemoryProductRepository } from './fakes.js';

const T0 = new Date('2026-11-22T09:59:00.000Z');
const T1 = new Date('2026-11-22T10:00:00.000Z');
const trace = { correlationId: 'req-5c0a', causationId: 'req-5c0a-cause' };

function existingProduct(overrides: Partial<Product> = {}): Product {
  return {
    productId: 'espresso-cup',
    name: 'Espresso cup',
    description: 'Double-walled glass, 80 ml',
    price: { amount: 1200, currency: 'EUR' },
    available: 0,
    priceVersion: 1,
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    ...overrides,
  };
}

class RecordingQueue implements PriceChangeQueue {
  readonly commands: PriceChangeCommand[] = [];
  async enqueue(command: PriceChangeCommand): Promise<void> {
    this.commands.push(command);
  }
}

describe('createProduct', () => {
  it('stores the product at price version 1 and records exactly one ProductCreated with the caller trace', async () => {
    // given an empty catalog
    const products = new InMemoryProductRepository();
    const clock = new FixedClock(T0);

    // when an admin creates a product with a chosen id
    const product = await createProduct(
      {
        productId: 'espresso-cup',
        name: 'Espresso cup',
        description: 'Double-walled glass, 80 ml',
        price: { amount: 1200, currency: 'EUR' },
      },
      { products, clock },
      trace,
    );

    // then the product is stored as returned, with its first price version
    expect(product).toEqual(existingProduct());
    expect(await products.get('espresso-cup')).toEqual(product);
    // and one ProductCreated envelope, valid against its contract, carries the trace
    expect(products.outbox).toHaveLength(1);
    const event = ProductCreatedV1.envelopeSchema.parse(products.outbox[0]);
    expect(event.metadata).toMatchObject({
      eventType: 'ProductCreated',
      eventVersion: 1,
      correlationId: 'req-5c0a',
      causationId: 'req-5c0a-cause',
      producer: 'catalog',
      occurredAt: T0.toISOString(),
    });
    expect(event.data).toEqual({
      productId: 'espresso-cup',
      name: 'Espresso cup',
      description: 'Double-walled glass, 80 ml',
      price: { amount: 1200, currency: 'EUR' },
      createdAt: T0.toISOString(),
    });
  });

  it('chooses the id on the server when the client gives none', async () => {
    // given a catalog with a server-side id generator
    const products = new InMemoryProductRepository();

    // when a product is created without an id
    const product = await createProduct(
      { name: 'Milk jug', description: '', price: { amount: 900, currency: 'EUR' } },
      { products, clock: new FixedClock(T0), newId: () => 'generated-id-1' },
      trace,
    );

    // then the generated id is used for the product and its event
    expect(product.productId).toBe('generated-id-1');
    expect(products.outbox[0]?.data).toMatchObject({ productId: 'generated-id-1' });
  });

  it('falls back to a random UUID when no id generator is wired', async () => {
    // given a catalog without an id generator
    const products = new InMemoryProductRepository();
    const input = { name: 'Milk jug', description: '', price: { amount: 900, currency: 'EUR' } };

    // when two products are created without an id
    const first = await createProduct(input, { products, clock: new FixedClock(T0) }, trace);
    const second = await createProduct(input, { products, clock: new FixedClock(T0) }, trace);

    // then each gets a distinct UUID
    expect(first.productId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.productId).not.toBe(first.productId);
  });

  it('refuses a taken id and records no event', async () => {
    // given a product that already exists
    const products = new InMemoryProductRepository([existingProduct()]);

    // when it is created again
    const attempt = createProduct(
      { productId: 'espresso-cup', name: 'Other', description: '', price: { amount: 1, currency: 'EUR' } },
      { products, clock: new FixedClock(T1) },
      trace,
    );

    // then the caller gets a conflict and nothing was recorded
    await expect(attempt).rejects.toBeInstanceOf(ProductAlreadyExists);
    expect(products.outbox).toEqual([]);
    expect((await products.get('espresso-cup'))?.name).toBe('Espresso cup');
  });
});

describe('getProduct / listProducts', () => {
  it('returns a stored product', async () => {
    // given a stored product
    const products = new InMemoryProductRepository([existingProduct()]);

    // when it is fetched
    const product = await getProduct('espresso-cup', { products });

    // then it is returned as stored
    expect(product).toEqual(existingProduct());
  });

  it('answers ProductNotFound (404) for an unknown id', async () => {
    // given an empty catalog
    const products = new InMemoryProductRepository();

    // when an unknown id is fetched
    const attempt = getProduct('no-such-thing', { products });

    // then the caller gets a 404 naming the id
    await expect(attempt).rejects.toBeInstanceOf(ProductNotFound);
    await expect(attempt).rejects.toMatchObject({
      status: 404,
      code: 'product-not-found',
      details: { productId: 'no-such-thing' },
    });
  });

  it('lists a page through the repository', async () => {
    // given three products
    const products = new InMemoryProductRepository([
      existingProduct({ productId: 'a' }),
      existingProduct({ productId: 'b' }),
      existingProduct({ productId: 'c' }),
    ]);

    // when the first page of two is listed
    const page = await listProducts({ limit: 2 }, { products });

    // then two products and a cursor for the rest come back
    expect(page.items.map((p) => p.productId)).toEqual(['a', 'b']);
    expect(page.nextCursor).not.toBeNull();
  });
});

describe('requestPriceChange', () => {
  it('refuses an unknown product and enqueues nothing', async () => {
    // given an empty catalog
    const products = new InMemoryProductRepository();
    const queue = new RecordingQueue();

    // when a price change is requested for an unknown product
    const attempt = requestPriceChange(
      'no-such-thing',
      { amount: 1500, currency: 'EUR' },
      { products, queue, clock: new FixedClock(T1) },
      trace,
    );

    // then it is refused with a 404 and no command was queued
    await expect(attempt).rejects.toBeInstanceOf(ProductNotFound);
    expect(queue.commands).toEqual([]);
  });

  it('enqueues one valid command carrying the request correlation id, leaving the product unchanged', async () => {
    // given a stored product
    const products = new InMemoryProductRepository([existingProduct()]);
    const queue = new RecordingQueue();

    // when a price change is requested
    const command = await requestPriceChange(
      'espresso-cup',
      { amount: 1500, currency: 'EUR' },
      { products, queue, clock: new FixedClock(T1) },
      trace,
    );

    // then exactly that command is queued, valid for the consumer, with the correlation id
    expect(queue.commands).toEqual([command]);
    expect(priceChangeCommandSchema.parse(command)).toEqual({
      commandId: expect.any(String),
      productId: 'espresso-cup',
      price: { amount: 1500, currency: 'EUR' },
      requestedAt: T1.toISOString(),
      correlationId: 'req-5c0a',
    });
    // and the price is applied later, not now
    expect((await products.get('espresso-cup'))?.price).toEqual({ amount: 1200, currency: 'EUR' });
    expect(products.outbox).toEqual([]);
  });

  it('gives every request its own command id (the FIFO deduplication id)', async () => {
    // given a stored product
    const products = new InMemoryProductRepository([existingProduct()]);
    const queue = new RecordingQueue();
    const ports = { products, queue, clock: new FixedClock(T1) };

    // when the same change is requested twice
    await requestPriceChange('espresso-cup', { amount: 1500, currency: 'EUR' }, ports, trace);
    await requestPriceChange('espresso-cup', { amount: 1500, currency: 'EUR' }, ports, trace);

    // then both are queued under different ids, so SQS does not drop the second one
    expect(queue.commands[0]?.commandId).not.toBe(queue.commands[1]?.commandId);
  });
});

describe('applyPriceChange', () => {
  const command: PriceChangeCommand = {
    commandId: 'cmd-93a2',
    productId: 'espresso-cup',
    price: { amount: 1500, currency: 'EUR' },
    requestedAt: T0.toISOString(),
    correlationId: 'req-7d1e',
  };

  it('applies the price, increments priceVersion and records PriceChanged caused by the command', async () => {
    // given a product at its first price
    const products = new InMemoryProductRepository([existingProduct()]);

    // when the queued change is applied
    await applyPriceChange(command, { products, clock: new FixedClock(T1) });

    // then the product has the new price at version 2
    expect(await products.get('espresso-cup')).toEqual(
      existingProduct({
        price: { amount: 1500, currency: 'EUR' },
        priceVersion: 2,
        updatedAt: T1.toISOString(),
      }),
    );
    // and one PriceChanged, valid against its contract, tells consumers the previous and new price
    expect(products.outbox).toHaveLength(1);
    const event = PriceChangedV1.envelopeSchema.parse(products.outbox[0]);
    expect(event.metadata).toMatchObject({
      eventType: 'PriceChanged',
      eventVersion: 1,
      correlationId: 'req-7d1e',
      causationId: 'cmd-93a2',
      producer: 'catalog',
      occurredAt: T1.toISOString(),
    });
    expect(event.data).toEqual({
      productId: 'espresso-cup',
      previousPrice: { amount: 1200, currency: 'EUR' },
      price: { amount: 1500, currency: 'EUR' },
      priceVersion: 2,
      changedAt: T1.toISOString(),
    });
  });

  it('numbers successive changes 2, 3, ... so consumers can drop out-of-order ones', async () => {
    // given a product at its first price
    const products = new InMemoryProductRepository([existingProduct()]);

    // when two changes are applied one after the other
    await applyPriceChange(command, { products, clock: new FixedClock(T1) });
    await applyPriceChange(
      { ...command, commandId: 'cmd-2', price: { amount: 1700, currency: 'EUR' } },
      { products, clock: new FixedClock(T1) },
    );

    // then the second event reports version 3 and the first change's price as previous
    const second = PriceChangedV1.envelopeSchema.parse(products.outbox[1]);
    expect(second.data).toMatchObject({
      priceVersion: 3,
      previousPrice: { amount: 1500, currency: 'EUR' },
      price: { amount: 1700, currency: 'EUR' },
    });
    expect(second.metadata.causationId).toBe('cmd-2');
    expect((await products.get('espresso-cup'))?.priceVersion).toBe(3);
  });

  it('fails with ProductNotFound when the product is gone, recording nothing', async () => {
    // given an empty catalog
    const products = new InMemoryProductRepository();

    // when a queued change is applied
    const attempt = applyPriceChange(command, { products, clock: new FixedClock(T1) });

    // then it fails (the message is retried / dead-lettered) and no event is recorded
    await expect(attempt).rejects.toBeInstanceOf(ProductNotFound);
    expect(products.outbox).toEqual([]);
  });

  it('saves conditionally on the version it read (a concurrent change makes it fail, not overwrite)', async () => {
    // given a repository whose product moves on between the read and the write
    const products = new InMemoryProductRepository([existingProduct()]);
    const original = products.get.bind(products);
    products.get = async (id) => {
      const read = await original(id);
      products.products.set(id, existingProduct({ priceVersion: 5 }));
      return read;
    };

    // when the change is applied
    const attempt = applyPriceChange(command, { products, clock: new FixedClock(T1) });

    // then it is refused as a conflict and the concurrent state is kept
    await expect(attempt).rejects.toMatchObject({ status: 409 });
    expect(products.products.get('espresso-cup')?.priceVersion).toBe(5);
    expect(products.outbox).toEqual([]);
  });
});
