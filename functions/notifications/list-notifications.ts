import { listNotifications } from '../../domains/notifications/list-notifications.js';
import { listNotificationsQuerySchema } from '../../domains/notifications/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { notificationRepository } from './dependencies.js';

export const handler = httpHandler(
  { access: 'admin', query: listNotificationsQuerySchema },
  async ({ query }) => json(200, await listNotifications(query, { notifications: notificationRepository() })),
);
