import * as z from '../../events/zod.js';

/** GET /admin/notifications: one customer's notifications, paged like every list. */
export const listNotificationsQuerySchema = z.object({
  customerId: z
    .string('is required')
    .check(z.trim())
    .check(z.minLength(1, 'is required'))
    .check(z.maxLength(256)),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1)).check(z.maxLength(2048))),
});
export type ListNotificationsQuery = z.infer<typeof listNotificationsQuerySchema>;
