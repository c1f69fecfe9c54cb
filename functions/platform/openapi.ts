import document from '../../docs/openapi.json' with { type: 'json' };
import { httpHandler, json } from '../../shared/http/handler.js';
import { route } from './openapi-route.js';

export { route };

/** Serves docs/openapi.json (bundled at build time: `npm run docs:openapi` regenerates it). */
export const handler = httpHandler(route, async () => ({
  ...json(200, document),
  headers: { 'cache-control': 'public, max-age=300' },
}));
