import * as z from 'zod';
import { eventMetadataSchema } from '../../events/envelope.js';

/**
 * Any event on our bus, of any type and version, known to a contract or not: the store keeps everything
 * that carries the envelope metadata it is indexed by. Loose objects, so nothing of the event is dropped.
 */
export const recordableEventSchema = z.looseObject({
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  time: z.string().min(1),
  detail: z.looseObject({
    metadata: eventMetadataSchema.pick({
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

const filterValue = z.string().trim().min(1, 'must not be empty').max(256);

/** `GET /admin/events`: exactly one of the filters (checked by `eventFilterOf`), paged like every list. */
export const listEventsQuerySchema = z.object({
  correlationId: filterValue.optional(),
  aggregateId: filterValue.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2048).optional(),
});
export type ListEventsQuery = z.infer<typeof listEventsQuerySchema>;
