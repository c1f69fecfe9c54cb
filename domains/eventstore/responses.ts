import * as z from '../../events/zod.js';
import { describes, pageOf } from '../../shared/http/route.js';
import type { StoredEventPage } from './ports.js';
import { recordableEventSchema } from './schemas.js';

/** Stored bus events, unchanged: open objects, since the store keeps every event type and version. */
export const storedEventPageSchema = describes<StoredEventPage>()(
  z.described(pageOf(z.described(recordableEventSchema, { id: 'StoredEvent' })), { id: 'StoredEventPage' }),
);
