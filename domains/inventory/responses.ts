import * as z from '../../events/zod.js';
import { describes } from '../../shared/http/route.js';
import type { stockLevelOf } from './model.js';

export const stockLevelSchema = describes<ReturnType<typeof stockLevelOf>>()(
  z.described(
    z.strictObject({
      productId: z.string(),
      onHand: z.int(),
      reserved: z.int(),
      available: z.described(z.int(), { description: 'onHand − reserved' }),
    }),
    { id: 'StockLevel' },
  ),
);
