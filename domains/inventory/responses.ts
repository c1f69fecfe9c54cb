import * as z from 'zod';
import { describes } from '../../shared/http/route.js';
import type { stockLevelOf } from './model.js';

export const stockLevelSchema = describes<ReturnType<typeof stockLevelOf>>()(
  z
    .strictObject({
      productId: z.string(),
      onHand: z.int(),
      reserved: z.int(),
      available: z.int().meta({ description: 'onHand − reserved' }),
    })
    .meta({ id: 'StockLevel' }),
);
