import { listEvents } from '../../domains/eventstore/list-events.js';
import { listEventsQuerySchema } from '../../domains/eventstore/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { eventStore } from './dependencies.js';

export const handler = httpHandler({ access: 'admin', query: listEventsQuerySchema }, async ({ query }) =>
  json(200, await listEvents(query, { store: eventStore() })),
);
