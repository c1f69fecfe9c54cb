import { describe, expect, it } from 'vitest';
import { appendEvent } from '../../../domains/eventstore/append-event.js';
import { listEvents } from '../../../domains/eventstore/list-events.js';
import { aggregateIdOf, eventFilterOf } from '../../../domains/eventstore/model.js';
import { listEventsQuerySchema, recordableEventSchema } from '../../../domains/eventstore/schemas.js';
import { ValidationError } from '../../../shared/errors.js';
import { eventLike, InMemoryEventStore, sampleEvent } from './fakes.js';

describe('appendEvent', () => {
  it('stores the whole bus event unchanged, with the attributes it is found and replayed by', async () => {
    // given an empty store and OrderPlaced as the bus delivers it
    const store = new InMemoryEventStore();
    const event = sampleEvent('OrderPlaced');
    const delivered = structuredClone(event);

    // when it is appended
    const outcome = await appendEvent(event, { store });

    // then one record holds the event as delivered and the envelope's attributes
    expect(outcome).toBe('appended');
    expect(store.records.get('00000000-0000-0000-0000-0000000007d0')).toEqual({
      eventId: '00000000-0000-0000-0000-0000000007d0',
      eventType: 'OrderPlaced',
      eventVersion: 1,
      occurredAt: '2026-11-22T10:00:00.000Z',
      correlationId: 'req-4e2b',
      aggregateId: 'ord-7f3c2a',
      time: '2026-11-22T10:00:00Z',
      event: delivered,
    });
  });

  it('is a no-op for an event id already stored: the first delivery is kept', async () => {
    // given OrderPlaced was stored
    const store = new InMemoryEventStore();
    const first = sampleEvent('OrderPlaced');
    await appendEvent(first, { store });

    // when the same event comes again, re-published by redrive (new bus id and time)
    const again = { ...sampleEvent('OrderPlaced'), id: 'bus-redriven', time: '2026-11-23T08:00:00Z' };
    const outcome = await appendEvent(again, { store });

    // then nothing changes
    expect(outcome).toBe('duplicate');
    expect(store.records.size).toBe(1);
    expect(store.records.get(first.detail.metadata.eventId)?.event).toEqual(first);
    expect(store.records.get(first.detail.metadata.eventId)?.time).toBe('2026-11-22T10:00:00Z');
  });

  it('keeps events of types and versions no contract knows, fields and all', async () => {
    // given an event from the future: version 7 of a type nobody consumes, with extra fields
    const store = new InMemoryEventStore();
    const raw = {
      ...sampleEvent('PriceChanged'),
      'detail-type': 'PriceRetired',
      extra: { top: true },
      detail: {
        metadata: {
          ...sampleEvent('PriceChanged').detail.metadata,
          eventType: 'PriceRetired',
          eventVersion: 7,
        },
        data: { productId: 'espresso-cup', note: 'new field' },
        trailer: [1, 2],
      },
    };

    // when it is validated and appended
    await appendEvent(recordableEventSchema.parse(raw), { store });

    // then it is stored as it came
    const [record] = store.records.values();
    expect(record?.event).toEqual(raw);
    expect(record).toMatchObject({ eventType: 'PriceRetired', eventVersion: 7, aggregateId: 'espresso-cup' });
  });

  it('refuses an event without the envelope metadata (it goes to the DLQ, not into the store)', () => {
    const { detail: _detail, ...withoutDetail } = sampleEvent('OrderPlaced');
    expect(recordableEventSchema.safeParse(withoutDetail).success).toBe(false);
    const noCorrelation = sampleEvent('OrderPlaced') as any;
    delete noCorrelation.detail.metadata.correlationId;
    expect(recordableEventSchema.safeParse(noCorrelation).success).toBe(false);
  });
});

describe('aggregateIdOf', () => {
  it.each([
    ['OrderPlaced', 'ord-7f3c2a'], // orderId wins over customerId and the lines' productIds
    ['StockReserved', 'ord-7f3c2a'], // a reservation belongs to its order
    ['PaymentDeclined', 'ord-7f3c2a'],
    ['PriceChanged', 'espresso-cup'],
    ['StockLevelChanged', 'espresso-cup'],
    ['CustomerProfileUpdated', 'alice'],
  ])('%s belongs to %s', (name, aggregateId) => {
    expect(aggregateIdOf(sampleEvent(name).detail.data)).toBe(aggregateId);
  });

  it('prefers orderId, then productId, then customerId, and only takes non-empty strings', () => {
    expect(aggregateIdOf({ customerId: 'c', productId: 'p', orderId: 'o' })).toBe('o');
    expect(aggregateIdOf({ customerId: 'c', productId: 'p' })).toBe('p');
    expect(aggregateIdOf({ customerId: 'c', orderId: '' })).toBe('c');
    expect(aggregateIdOf({ orderId: 42, productId: { id: 'p' }, customerId: 'c' })).toBe('c');
  });

  it('is absent when the data names no aggregate (the event is then found by correlation only)', async () => {
    expect(aggregateIdOf({ items: [{ productId: 'p' }] })).toBeUndefined();
    expect(aggregateIdOf(undefined)).toBeUndefined();
    expect(aggregateIdOf('ord-1')).toBeUndefined();
    const store = new InMemoryEventStore();
    await appendEvent(
      eventLike(
        'PaymentCaptured',
        { eventId: 'e1', occurredAt: '2026-11-22T10:00:00.000Z' },
        { orderId: undefined },
      ),
      { store },
    );
    expect(store.records.get('e1')).not.toHaveProperty('aggregateId');
  });
});

describe('listEvents', () => {
  const history = [
    eventLike('PaymentAuthorized', { eventId: 'e-3', occurredAt: '2026-11-22T10:00:02.000Z' }),
    eventLike('OrderPlaced', { eventId: 'e-1', occurredAt: '2026-11-22T10:00:00.000Z' }),
    // the same instant: the event id decides
    eventLike('StockReserved', { eventId: 'e-2b', occurredAt: '2026-11-22T10:00:01.000Z' }),
    eventLike('StockReserved', { eventId: 'e-2a', occurredAt: '2026-11-22T10:00:01.000Z' }),
    eventLike('PriceChanged', {
      eventId: 'e-0',
      occurredAt: '2026-11-22T09:00:00.000Z',
      correlationId: 'other',
    }),
  ];
  const query = (params: Record<string, string>) => listEventsQuerySchema.parse(params);

  async function storeWith() {
    const store = new InMemoryEventStore();
    for (const event of history) await appendEvent(event, { store });
    return store;
  }

  it('returns the events of one correlation id in order: occurredAt, then eventId', async () => {
    const store = await storeWith();
    const page = await listEvents(query({ correlationId: 'req-4e2b' }), { store });
    expect(page.items.map((event) => event.detail.metadata.eventId)).toEqual(['e-1', 'e-2a', 'e-2b', 'e-3']);
    expect(page.items[0]).toEqual(history[1]);
    expect(page.nextCursor).toBeNull();
  });

  it('returns the events of one aggregate, paged by limit and cursor', async () => {
    const store = await storeWith();
    const first = await listEvents(query({ aggregateId: 'ord-7f3c2a', limit: '3' }), { store });
    expect(first.items.map((event) => event.detail.metadata.eventId)).toEqual(['e-1', 'e-2a', 'e-2b']);
    const second = await listEvents(
      query({ aggregateId: 'ord-7f3c2a', limit: '3', cursor: first.nextCursor as string }),
      { store },
    );
    expect(second.items.map((event) => event.detail.metadata.eventId)).toEqual(['e-3']);
    expect(second.nextCursor).toBeNull();
  });

  it.each([
    ['neither filter', {}],
    ['both filters', { correlationId: 'req-4e2b', aggregateId: 'ord-7f3c2a' }],
  ])('refuses %s with a 400 naming both fields, without reading the store', async (_, params) => {
    const store = new InMemoryEventStore();
    store.find = () => Promise.reject(new Error('must not be called'));
    const attempt = listEvents(query(params), { store });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({
      status: 400,
      errors: [
        { path: 'correlationId', message: expect.stringContaining('exactly one') },
        { path: 'aggregateId', message: expect.stringContaining('exactly one') },
      ],
    });
  });

  it('takes the one filter given', () => {
    expect(eventFilterOf({ correlationId: 'req-1' })).toEqual({ by: 'correlationId', value: 'req-1' });
    expect(eventFilterOf({ aggregateId: 'ord-1' })).toEqual({ by: 'aggregateId', value: 'ord-1' });
  });

  it('pages 20 by default and 100 at most', () => {
    expect(query({ correlationId: 'c' }).limit).toBe(20);
    expect(listEventsQuerySchema.safeParse({ correlationId: 'c', limit: '101' }).success).toBe(false);
    expect(listEventsQuerySchema.safeParse({ correlationId: 'c', limit: '0' }).success).toBe(false);
    expect(listEventsQuerySchema.safeParse({ correlationId: '  ' }).success).toBe(false);
  });
});
