/**
 * Prints, as JSON, the route each given handler module declares (`export const route`), by module path:
 *
 *   node scripts/deploy/route-declarations.mjs functions/orders/place-order.ts …
 *
 * The operations plugin runs this in a child process (./operations-plugin.mjs, `wireHttpRoutes`), so the
 * handler modules, their SDK clients and tsx's loader are not kept in the long-lived serverless process
 * (`npm start`'s resident memory is a bench figure).
 */
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

/** @type {Record<string, { operationId: string, method: string, url: string, access: string }>} */
const declared = {};
await Promise.all(
  process.argv.slice(2).map(async (file) => {
    const { route } = await tsImport(pathToFileURL(file).href, import.meta.url);
    if (route) {
      declared[file] = {
        operationId: route.operationId,
        method: route.method,
        url: route.url,
        access: route.access,
      };
    }
  }),
);
process.stdout.write(JSON.stringify(declared));
