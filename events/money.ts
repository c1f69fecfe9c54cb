import { z } from 'zod';

/** Money in integer minor units with an ISO 4217 currency code (API.md, "Conventions"). */
export const moneySchema = z.object({
  amount: z.int().nonnegative().max(1_000_000_000_00),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
});
export type Money = z.infer<typeof moneySchema>;

/** Money as the HTTP API answers it: exactly these two fields (documented as `Money` in docs/openapi.json). */
export const moneyResponseSchema = z.strictObject(moneySchema.shape).meta({ id: 'Money' });
