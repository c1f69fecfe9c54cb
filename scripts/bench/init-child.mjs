/**
 * `npm run bench`, initRatio: run in a fresh process per sample. Imports one bundled handler (cold module
 * load) and invokes it once, then reports both times on the last stdout line (the handler may log).
 * argv: <bundle.mjs> <event JSON>
 *
 * An HTTP handler (its bundle exports the `route` it serves, shared/http/route.ts) is invoked the way API
 * Gateway would call it on a customer's first request: an HTTP API event for its route, authorized, with a
 * JSON body that fails validation. The first invocation then runs everything a real one runs before its
 * first AWS call (middleware, the route's schemas, the problem response), and no call leaves the process.
 * Any other handler gets the given event.
 */
import { pathToFileURL } from 'node:url';

const [file, eventJson] = process.argv.slice(2);
const context = {
  functionName: 'bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
  memoryLimitInMB: '512',
  awsRequestId: 'bench-init',
  logGroupName: '/aws/lambda/bench',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
  done() {},
  fail() {},
  succeed() {},
};
/** @param {{ method: string, url: string }} route */
function firstRequestTo(route) {
  const path = route.url.replaceAll(/\{(\w+)\}/g, 'bench-$1');
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.url}`,
    rawPath: path,
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': 'bench-init-key',
      'x-correlation-id': 'bench-init',
    },
    body: '{"items":[]}',
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      authorizer: { jwt: { claims: { sub: 'bench-init', 'cognito:groups': '[admin]' }, scopes: [] } },
      domainName: 'bench.example',
      domainPrefix: 'bench',
      http: { method: route.method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'bench' },
      requestId: 'bench-init',
      routeKey: `${route.method} ${route.url}`,
      stage: '$default',
      time: '01/Dec/2026:10:00:00 +0000',
      timeEpoch: 1796119200000,
    },
  };
}

const started = performance.now();
const module = await import(pathToFileURL(String(file)).href);
const loaded = performance.now();
const event = module.route?.method ? firstRequestTo(module.route) : JSON.parse(String(eventJson));
const response = await module.handler(event, context);
const invoked = performance.now();
process.stdout.write(
  `\nINIT_RESULT ${JSON.stringify({ loadMs: loaded - started, firstInvokeMs: invoked - loaded, totalMs: invoked - started, status: response?.statusCode })}\n`,
);
