import type { EventFilter, StoredEvent } from './model.js';
import type { RecordableEvent } from './schemas.js';

/** `duplicate`: an event with this eventId was stored before; nothing was written. */
export type AppendOutcome = 'appended' | 'duplicate';

export interface StoredEventPage {
  /** The stored bus events, unchanged, ordered by occurredAt, then eventId. */
  items: RecordableEvent[];
  nextCursor: string | null;
}

/** The append-only log of every bus event. */
export interface EventStore {
  /** Stores the event unless one with its eventId is stored already; never overwrites. */
  append(event: StoredEvent): Promise<AppendOutcome>;
  find(filter: EventFilter, page: { limit: number; cursor?: string }): Promise<StoredEventPage>;
}
