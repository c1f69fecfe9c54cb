import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const CUSTOMERS_PRODUCER = 'customers';

/** A customer's contact details changed; `profileVersion` lets projections keep the newest. */
export const CustomerProfileUpdatedV1 = defineEvent({
  type: 'CustomerProfileUpdated',
  version: 1,
  producer: CUSTOMERS_PRODUCER,
  data: z.looseObject({
    customerId: z.string().min(1),
    name: z.string().optional(),
    email: z.email().optional(),
    profileVersion: z.int().positive(),
    updatedAt: z.iso.datetime({ offset: true }),
  }),
});
