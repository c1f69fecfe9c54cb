import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stockItemEvents } from '../../../domains/inventory/adapters/stock-stream.js';
import { stockChangeId } from '../../../domains/inventory/stock-level-changed.js';
import { StockLevelChangedV2 } from '../../../events/inventory/index.js';
import { relayOutbox } from '../../../shared/outbox/relay.js';
import { stockItem } from './fakes.js';

/*
 * StockLevelChanged is published from each stock item's own stream record: an atomic update knows the
 * new figures only once it has run, so the inventory relay derives the event from the stored item.
 */
const SOURCE = 'commerce.inventory';
const cause = { correlationId: 'req-order-1', causationId: 'evt-placed-1' };

/** A stock item as the repository stores it (figures, storage keys, the last write's cause and source). */
const stored = (stockVersion: number, reserved: number) => ({
  pk: 'STOCK#espresso-cup',
  sk: 'STOCK',
  entityType: 'STOCK',
  ...stockItem('espresso-cup', 10, reserved, stockVersion, '2026-11-22T10:00:00.000Z'),
  lastCause: cause,
  eventSource: SOURCE,
  movedAvailability: true,
});

function streamRecord(sequenceNumber: string, image: Record<string, unknown>, eventName = 'MODIFY') {
  return {
    eventName,
    dynamodb: { NewImage: marshall(image), SequenceNumber: sequenceNumber, StreamViewType: 'NEW_IMAGE' },
  } as unknown as DynamoDBRecord;
}

const eventBridge = mockClient(EventBridgeClient);

beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-1' }] });
  vi.stubEnv('EVENT_BUS_NAME', 'commerce-test-bus');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('stockItemEvents', () => {
  it('makes StockLevelChanged v2 of the stored figures, with the cause the same write stored', () => {
    const [event] = stockItemEvents(stored(4, 3));

    expect(event?.source).toBe(SOURCE);
    const parsed = StockLevelChangedV2.envelopeSchema.parse(event?.envelope);
    expect(parsed.data).toEqual({
      productId: 'espresso-cup',
      available: 7,
      stockVersion: 4,
      changedAt: '2026-11-22T10:00:00.000Z',
    });
    expect(parsed.metadata).toMatchObject({
      ...cause,
      eventId: stockChangeId('espresso-cup', 4),
      occurredAt: '2026-11-22T10:00:00.000Z',
      producer: 'inventory',
    });
  });

  it('gives the same change the same UUID-formatted id, and every change its own', () => {
    const ids = [
      stockItemEvents(stored(4, 3)),
      stockItemEvents(stored(4, 3)),
      stockItemEvents(stored(5, 2)),
    ].map(([event]) => event?.envelope.metadata.eventId);

    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stockChangeId('cup', 12)).not.toBe(stockChangeId('cup-1', 2));
  });

  it('publishes nothing for reservations, outbox records, or a stock item written before items carried their cause', () => {
    const { lastCause: _cause, eventSource: _source, ...legacy } = stored(3, 0);

    expect(stockItemEvents({ pk: 'RESERVATION#o-1', sk: 'RESERVATION', entityType: 'RESERVATION' })).toEqual(
      [],
    );
    expect(stockItemEvents({ pk: 'OUTBOX#e', sk: 'OUTBOX#e', entityType: 'OUTBOX' })).toEqual([]);
    expect(stockItemEvents(legacy)).toEqual([]);
  });

  it('publishes nothing after a sale (availability did not move), as before for items written before the flag', () => {
    const { movedAvailability: _moved, ...beforeTheFlag } = stored(5, 0);

    expect(stockItemEvents({ ...stored(5, 0), movedAvailability: false })).toEqual([]);
    expect(stockItemEvents(beforeTheFlag)).toHaveLength(1);
  });
});

describe('the inventory relay', () => {
  it('publishes a stock item change from its stream record, and the same id when the record comes again', async () => {
    const record = streamRecord('100', stored(6, 1));

    await relayOutbox({ Records: [record] }, { derive: stockItemEvents });
    await relayOutbox({ Records: [record] }, { derive: stockItemEvents });

    const entries = eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.[0]);
    expect(entries[0]).toMatchObject({ Source: SOURCE, DetailType: 'StockLevelChanged' });
    const ids = entries.map((entry) => JSON.parse(entry?.Detail ?? '{}').metadata.eventId);
    expect(ids).toEqual([stockChangeId('espresso-cup', 6), stockChangeId('espresso-cup', 6)]);
  });

  it('publishes the change into the trace of the write that made it, keeping the header out of the event', async () => {
    // given a stock item whose last write stored its invocation's trace header beside its cause
    const traceHeader = 'Root=1-6740e1c0-000000000000000000000001;Parent=0000000000000001;Sampled=1';
    const record = streamRecord('101', { ...stored(7, 2), lastCause: { ...cause, traceHeader } });

    // when the relay publishes it
    await relayOutbox({ Records: [record] }, { derive: stockItemEvents });

    // then EventBridge gets the writer's trace header, and the event's metadata only its cause
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.TraceHeader).toBe(traceHeader);
    expect(JSON.parse(entry?.Detail ?? '{}').metadata).not.toHaveProperty('traceHeader');
  });
});
