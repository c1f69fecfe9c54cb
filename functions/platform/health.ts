import * as z from 'zod';
import { httpHandler, json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';

export const route = defineRoute('GET /health', 'health', {
  summary: 'Liveness',
  access: 'public',
  responses: { 200: z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' }) },
});

export const handler = httpHandler(route, async () => json(200, { status: 'ok' }));
