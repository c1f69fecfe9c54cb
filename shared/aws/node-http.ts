/**
 * What every function bundle takes in place of `node:http` (esbuild's `alias`, serverless.yml
 * `custom.esbuild`): the same module object, reached without an ES module import.
 *
 * On Node.js 22, importing `node:http` from an ES module builds an ESM facade that reads every export
 * of the module, and `http.WebSocket`, `CloseEvent` and `MessageEvent` are lazy getters that load Node's
 * bundled undici (nodejs/node#57649, #59686, still open). Our functions never use them, yet each cold
 * start of a bundle with such an import paid for undici: about 27 ms of ordersPlaceOrder's init, measured
 * (docs/decisions.md, entry 49). Powertools Tracer (`import http from 'node:http'`) and middy's util
 * (`import { STATUS_CODES } from 'node:http'`) are the importers. `process.getBuiltinModule` (Node.js
 * 22.3+) returns the module as `require` would, with no facade.
 *
 * The named exports are the ones bundled code imports; a bundle that imports another fails to build
 * ("No matching export"), so a new importer is caught by `sls package`, not at run time.
 */
const http = process.getBuiltinModule('node:http');

export default http;
export const { STATUS_CODES } = http;
