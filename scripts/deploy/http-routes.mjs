/**
 * A route is declared once, in its handler module (`export const route = defineRoute('GET /…', …)`, see
 * shared/http/route.ts). Everything else is derived from that declaration:
 * - the function's `httpApi` event, added by the operations plugin when serverless loads the service, so
 *   `functions/<domain>/serverless.yml` holds only what the route cannot know (its role, its environment);
 * - the OpenAPI document, the typed client and the e2e contract checks (`declaredRoutes()`).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';

/** @typedef {import('../../shared/http/route.js').RouteDefinition} RouteDefinition */
/** @typedef {RouteDefinition & { tag: string }} DeclaredRoute a declaration with its tag filled in */
/** @typedef {(url: string) => Promise<Record<string, unknown>>} ModuleImporter */

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The TypeScript module behind a function's `handler` (`functions/orders/place-order.handler` →
 * `functions/orders/place-order.ts`), or undefined for a handler outside `functions/`.
 * @param {string} handler
 */
export function handlerModuleOf(handler) {
  const match = /^(functions\/.+)\.[A-Za-z_$][\w$]*$/.exec(handler);
  return match ? `${match[1]}.ts` : undefined;
}

/**
 * The route a function's handler module declares, if it declares one, tagged by default with the
 * handler's folder: its domain (`functions/catalog/get-product.ts` → `catalog`).
 * @param {string} handler the function's `handler` setting
 * @param {ModuleImporter} importModule how to load TypeScript in the calling process
 * @param {string} [root]
 * @returns {Promise<DeclaredRoute | undefined>}
 */
export async function routeDeclaredBy(handler, importModule, root = PROJECT_ROOT) {
  const module = handlerModuleOf(handler);
  if (!module) return undefined;
  const exports = await importModule(pathToFileURL(join(root, module)).href);
  const route = /** @type {RouteDefinition | undefined} */ (exports.route);
  return route && { ...route, tag: route.tag ?? String(module.split('/')[1]) };
}

/**
 * The `httpApi` event a route needs: its method and path, and the stage's JWT authorizer unless it is
 * public (admin routes check the caller's group in `httpHandler`, after the authorizer).
 * @param {Pick<RouteDefinition, 'method' | 'url' | 'access'>} route
 */
export function httpApiEventOf(route) {
  return {
    httpApi: {
      method: route.method,
      path: route.url,
      ...(route.access === 'public' ? {} : { authorizer: { name: 'jwt' } }),
    },
  };
}

/**
 * Whether a route changes state: every method but GET. Such a route's handler is `tracedHttpHandler`, its
 * zip holds the X-Ray SDK's file, and its function records traces (Active); a read runs PassThrough
 * (scripts/deploy/operations-plugin.mjs, decisions.md entries 52 and 58).
 * @param {{ method: string }} route
 */
export function changesState(route) {
  return route.method !== 'GET';
}

/**
 * Every function of the files the root serverless.yml includes on every stage
 * (`${file(functions/<domain>/serverless.yml)}`), in the order it lists them. Stage-only functions
 * (`${param:benchFunctions}`) are not part of the public API.
 * @param {string} [root]
 * @returns {Array<{ name: string, handler: string, events: Array<Record<string, any>> }>}
 */
export function configuredFunctions(root = PROJECT_ROOT) {
  const service = parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent' });
  const files = /** @type {unknown[]} */ (service.functions).flatMap((entry) => {
    const match = typeof entry === 'string' ? /^\$\{file\((functions\/[^)]+)\)\}$/.exec(entry) : null;
    return match?.[1] ? [match[1]] : [];
  });
  return files.flatMap((file) => {
    /** @type {Record<string, { handler: string, events?: Array<Record<string, any>> }>} */
    const functions =
      parse(readFileSync(join(root, file), 'utf8'), { logLevel: 'silent', merge: true }) ?? {};
    return Object.entries(functions).map(([name, definition]) => ({
      name,
      handler: definition.handler,
      events: definition.events ?? [],
    }));
  });
}

/**
 * Every route of the service with the function serving it, in serverless.yml's order. Defaults to the
 * caller's own `import()`, which loads TypeScript under tsx and vitest.
 * @param {{ root?: string, importModule?: ModuleImporter }} [options]
 * @returns {Promise<Array<{ functionName: string, route: DeclaredRoute }>>}
 */
export async function declaredRoutes({ root = PROJECT_ROOT, importModule = (url) => import(url) } = {}) {
  const found = await Promise.all(
    configuredFunctions(root).map(async ({ name, handler }) => ({
      functionName: name,
      route: await routeDeclaredBy(handler, importModule, root),
    })),
  );
  return found.flatMap(({ functionName, route }) => (route ? [{ functionName, route }] : []));
}
