import * as z from 'zod';

/** GET /admin/notifications: one customer's notifications, paged like every list. */
export const listNotificationsQuerySchema = z.object({
  customerId: z.string('is required').trim().min(1, 'is required').max(256),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2048).optional(),
});
export type ListNotificationsQuery = z.infer<typeof listNotificationsQuerySchema>;
