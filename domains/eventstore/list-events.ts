import { eventFilterOf } from './model.js';
import type { EventStore, StoredEventPage } from './ports.js';
import type { ListEventsQuery } from './schemas.js';

/** The stored events of one correlation id or one aggregate, oldest first (occurredAt, then eventId). */
export async function listEvents(
  query: ListEventsQuery,
  ports: { store: EventStore },
): Promise<StoredEventPage> {
  return ports.store.find(eventFilterOf(query), { limit: query.limit, cursor: query.cursor });
}
