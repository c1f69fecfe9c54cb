import * as z from 'zod';
import { describes, pageOf } from '../../shared/http/route.js';
import type { Notification } from './model.js';

export const notificationSchema = describes<Notification>()(
  z
    .strictObject({
      notificationId: z.string(),
      customerId: z.string(),
      kind: z.enum(['order-confirmed', 'order-cancelled', 'payment-declined']),
      orderId: z.string(),
      subject: z.string(),
      body: z.string(),
      channel: z.string().meta({
        description: '`ses`, or `none` when no e-mail is known (`log` on records made before e-mail)',
      }),
      recipient: z.string().optional(),
      status: z.enum(['recorded', 'sent', 'failed']),
      failureReason: z.string().optional(),
      providerMessageId: z
        .string()
        .optional()
        .meta({ description: "The provider's id of the accepted message (SES MessageId), once sent" }),
      sourceEventId: z.string(),
      correlationId: z.string(),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    })
    .meta({ id: 'Notification' }),
);

export const notificationPageSchema = pageOf(notificationSchema).meta({ id: 'NotificationPage' });
