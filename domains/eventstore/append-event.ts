import { toStoredEvent } from './model.js';
import type { AppendOutcome, EventStore } from './ports.js';
import type { RecordableEvent } from './schemas.js';

/**
 * Appends a bus event to the store, unchanged. The store keys on the event id and never overwrites, so
 * a redelivery, a re-published DLQ message or a replay of the same event is a no-op (`duplicate`).
 */
export function appendEvent(event: RecordableEvent, ports: { store: EventStore }): Promise<AppendOutcome> {
  return ports.store.append(toStoredEvent(event));
}
