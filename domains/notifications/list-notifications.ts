import type { NotificationPage, NotificationRepository } from './ports.js';
import type { ListNotificationsQuery } from './schemas.js';

/** What was recorded for a customer, newest first (for operators and tests). */
export function listNotifications(
  query: ListNotificationsQuery,
  ports: { notifications: NotificationRepository },
): Promise<NotificationPage> {
  const { customerId, ...page } = query;
  return ports.notifications.listByCustomer(customerId, page);
}
