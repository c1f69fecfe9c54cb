import * as z from '../../events/zod.js';
import { defineRoute } from '../../shared/http/route.js';

/**
 * GET /openapi.json, declared apart from its handler: the document is generated from the routes, and the
 * handler bundles the generated document.
 */
export const route = defineRoute('GET /openapi.json', 'getOpenApiDocument', {
  summary: 'This OpenAPI 3.1 document',
  access: 'public',
  responses: {
    200: z.described(
      z.looseObject({ openapi: z.literal('3.1.0'), info: z.looseObject({}), paths: z.looseObject({}) }),
      { id: 'OpenApiDocument', description: 'The document you are reading' },
    ),
  },
});
