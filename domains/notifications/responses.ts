import * as z from '../../events/zod.js';
import { describes, pageOf } from '../../shared/http/route.js';
import type { Notification } from './model.js';

export const notificationSchema = describes<Notification>()(
  z.described(
    z.strictObject({
      notificationId: z.string(),
      customerId: z.string(),
      kind: z.enum(['order-confirmed', 'order-cancelled', 'payment-declined']),
      orderId: z.string(),
      subject: z.string(),
      body: z.string(),
      channel: z.described(z.string(), {
        description: '`ses`, or `none` when no e-mail is known (`log` on records made before e-mail)',
      }),
      recipient: z.optional(z.string()),
      status: z.enum(['recorded', 'sent', 'failed']),
      failureReason: z.optional(z.string()),
      providerMessageId: z.described(z.optional(z.string()), {
        description: "The provider's id of the accepted message (SES MessageId), once sent",
      }),
      sourceEventId: z.string(),
      correlationId: z.string(),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    }),
    { id: 'Notification' },
  ),
);

export const notificationPageSchema = z.described(pageOf(notificationSchema), { id: 'NotificationPage' });
