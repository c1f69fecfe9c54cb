import * as z from 'zod';
import { describes } from '../../shared/http/route.js';
import type { ProfileView } from './model.js';

export const profileSchema = describes<ProfileView>()(
  z
    .strictObject({
      customerId: z.string().meta({ description: "The token's subject" }),
      name: z.string().optional(),
      email: z.string().optional(),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    })
    .meta({ id: 'Profile' }),
);
