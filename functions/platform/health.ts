import * as z from '../../events/zod.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';

export const route = defineRoute('GET /health', 'health', {
  summary: 'Liveness',
  access: 'public',
  responses: { 200: z.described(z.strictObject({ status: z.literal('ok') }), { id: 'Health' }) },
});

export const handler = httpHandler(route, async () => json(200, { status: 'ok' }));
