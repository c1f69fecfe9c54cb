import * as z from 'zod';

/** PUT /me: both fields are required (API.md, "update { name, email }"); nothing else is accepted. */
export const updateProfileSchema = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  email: z.email('must be a valid e-mail address').max(254, 'must be at most 254 characters'),
});
export type UpdateProfileInput = z.infer<typeof updateProfileSchema>;
