import * as z from '../../events/zod.js';

export const listOrdersQuerySchema = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1)).check(z.maxLength(2048))),
});
export type ListOrdersQuery = z.infer<typeof listOrdersQuerySchema>;
