import { readFileSync } from 'node:fs';
import type { EventFilter, StoredEvent } from '../../../domains/eventstore/model.js';
import type { AppendOutcome, EventStore, StoredEventPage } from '../../../domains/eventstore/ports.js';
import { type RecordableEvent, recordableEventSchema } from '../../../domains/eventstore/schemas.js';

/** A sample bus event from events/samples, as the rule target receives it. */
export function sampleEvent(name: string): RecordableEvent {
  const path = new URL(`../../../events/samples/${name}.v1.json`, import.meta.url);
  return recordableEventSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** A sample with other ids, time and correlation, for building a history. */
export function eventLike(
  name: string,
  metadata: { eventId: string; occurredAt: string; correlationId?: string },
  data: Record<string, unknown> = {},
): RecordableEvent {
  const event = sampleEvent(name);
  return {
    ...event,
    id: `bus-${metadata.eventId}`,
    detail: {
      ...event.detail,
      metadata: { ...event.detail.metadata, ...metadata },
      data: { ...(event.detail.data as Record<string, unknown>), ...data },
    },
  };
}

/**
 * An in-memory EventStore with the DynamoDB one's promises: one record per event id, never overwritten;
 * lookups ordered by occurredAt, then eventId. Its cursor is the position in the ordered result.
 */
export class InMemoryEventStore implements EventStore {
  readonly records = new Map<string, StoredEvent>();
  appends = 0;

  async append(event: StoredEvent): Promise<AppendOutcome> {
    this.appends++;
    if (this.records.has(event.eventId)) return 'duplicate';
    this.records.set(event.eventId, structuredClone(event));
    return 'appended';
  }

  async find(filter: EventFilter, page: { limit: number; cursor?: string }): Promise<StoredEventPage> {
    const matching = [...this.records.values()]
      .filter((record) => record[filter.by] === filter.value)
      .sort(
        (a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || a.eventId.localeCompare(b.eventId),
      );
    const start = page.cursor ? Number(page.cursor) : 0;
    const items = matching.slice(start, start + page.limit).map((record) => structuredClone(record.event));
    const next = start + page.limit;
    return { items, nextCursor: next < matching.length ? String(next) : null };
  }
}
