import { listNotifications } from '../../domains/notifications/list-notifications.js';
import { notificationPageSchema } from '../../domains/notifications/responses.js';
import { listNotificationsQuerySchema } from '../../domains/notifications/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { notificationRepository } from './dependencies.js';

export const route = defineRoute('GET /admin/notifications', 'listNotifications', {
  summary: "One customer's notifications, newest first",
  access: 'admin',
  query: listNotificationsQuerySchema,
  responses: { 200: notificationPageSchema },
});

export const handler = httpHandler(route, async ({ query }) =>
  json(200, await listNotifications(query, { notifications: notificationRepository() })),
);
