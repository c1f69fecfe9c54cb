import { listEvents } from '../../domains/eventstore/list-events.js';
import { storedEventPageSchema } from '../../domains/eventstore/responses.js';
import { listEventsQuerySchema } from '../../domains/eventstore/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { eventStore } from './dependencies.js';

export const route = defineRoute('GET /admin/events', 'listEvents', {
  summary: 'Stored bus events of one correlation id or one aggregate, oldest first',
  description: 'Pass exactly one of `correlationId` and `aggregateId`.',
  access: 'admin',
  query: listEventsQuerySchema,
  responses: { 200: storedEventPageSchema },
});

export const handler = httpHandler(route, async ({ query }) =>
  json(200, await listEvents(query, { store: eventStore() })),
);
