import { httpHandler, json } from '../../shared/http/handler.js';

export const handler = httpHandler({ access: 'public' }, async () => json(200, { status: 'ok' }));
