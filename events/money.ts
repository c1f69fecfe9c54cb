import * as z from './zod.js';

/**
 * The largest amount, in minor units, any price or total may carry: 1e11 (a billion in a two-decimal
 * currency), far inside the integers a JavaScript number holds exactly, so amounts add up without loss.
 * Every event with money is validated against it: an order whose total exceeds it is refused at the API.
 */
export const MAX_MONEY_AMOUNT = 100_000_000_000;

/** Money in integer minor units with an ISO 4217 currency code (API.md, "Conventions"). */
export const moneySchema = z.object({
  amount: z.int().check(z.nonnegative()).check(z.maximum(MAX_MONEY_AMOUNT)),
  currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')),
});
export type Money = z.infer<typeof moneySchema>;

/** Money as the HTTP API answers it: exactly these two fields (documented as `Money` in docs/openapi.json). */
export const moneyResponseSchema = z.described(z.strictObject(moneySchema.shape), { id: 'Money' });
