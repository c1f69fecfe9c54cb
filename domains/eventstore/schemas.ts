import { eventMetadataSchema } from '../../events/envelope.js';
import * as z from '../../events/zod.js';

/**
 * Any event on our bus, of any type and version, known to a contract or not: the store keeps everything
 * that carries the envelope metadata it is indexed by. Loose objects, so nothing of the event is dropped.
 */
export const recordableEventSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.string().check(z.minLength(1)),
  source: z.string().check(z.minLength(1)),
  time: z.string().check(z.minLength(1)),
  detail: z.looseObject({
    metadata: z.pick(eventMetadataSchema, {
      eventId: true,
      eventType: true,
      eventVersion: true,
      occurredAt: true,
      correlationId: true,
    }),
    data: z.unknown(),
  }),
});
export type RecordableEvent = z.infer<typeof recordableEventSchema>;

const filterValue = z
  .string()
  .check(z.trim())
  .check(z.minLength(1, 'must not be empty'))
  .check(z.maxLength(256));

/** `GET /admin/events`: exactly one of the filters (checked by `eventFilterOf`), paged like every list. */
export const listEventsQuerySchema = z.object({
  correlationId: z.optional(filterValue),
  aggregateId: z.optional(filterValue),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1)).check(z.maxLength(2048))),
});
export type ListEventsQuery = z.infer<typeof listEventsQuerySchema>;
