import * as z from '../../events/zod.js';

/** PUT /me: both fields are required (API.md, "update { name, email }"); nothing else is accepted. */
export const updateProfileSchema = z.strictObject({
  name: z
    .string()
    .check(z.trim())
    .check(z.minLength(1, 'is required'))
    .check(z.maxLength(200, 'must be at most 200 characters')),
  email: z.email('must be a valid e-mail address').check(z.maxLength(254, 'must be at most 254 characters')),
});
export type UpdateProfileInput = z.infer<typeof updateProfileSchema>;
