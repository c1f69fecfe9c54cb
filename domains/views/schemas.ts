import * as z from 'zod';

export const listOrdersQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2048).optional(),
});
export type ListOrdersQuery = z.infer<typeof listOrdersQuerySchema>;
