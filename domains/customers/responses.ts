import * as z from '../../events/zod.js';
import { describes } from '../../shared/http/route.js';
import type { ProfileView } from './model.js';

export const profileSchema = describes<ProfileView>()(
  z.described(
    z.strictObject({
      customerId: z.described(z.string(), { description: "The token's subject" }),
      name: z.optional(z.string()),
      email: z.optional(z.string()),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    }),
    { id: 'Profile' },
  ),
);
