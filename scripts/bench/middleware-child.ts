/**
 * `npm run bench`, middlewareOverheadMs: warm invocations, in one process, of our HTTP middleware stack
 * (shared/http/handler.ts: middy + Powertools logger/metrics/tracer middlewares, correlation id, auth,
 * CORS, problem mapping) around a no-op route vs a bare handler returning the same response.
 * Runs in a child (started by run.ts) with stdout discarded: the metrics middleware flushes EMF there.
 * Result via IPC.
 */
import type { Context } from 'aws-lambda';
import { type HttpEvent, json } from '../../shared/http/handler.js';
import { tracedHttpHandler } from '../../shared/http/traced-handler.js';
import { SAMPLED_TRACE_HEADER } from './lib.js';

// Every invocation sampled by X-Ray: the heavier path, where a route that changes state runs the tracer's
// middleware too (it loads the X-Ray SDK on the first sampled request: shared/http/traced-handler.ts).
process.env._X_AMZN_TRACE_ID = SAMPLED_TRACE_HEADER;

const iterations = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 5);

const event = {
  version: '2.0',
  routeKey: 'GET /bench',
  rawPath: '/bench',
  rawQueryString: '',
  headers: { host: 'localhost', 'x-correlation-id': 'bench-middleware' },
  requestContext: {
    accountId: '000000000000',
    apiId: 'bench',
    domainName: 'localhost',
    domainPrefix: 'localhost',
    http: { method: 'GET', path: '/bench', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    requestId: 'bench',
    routeKey: 'GET /bench',
    stage: '$default',
    time: '',
    timeEpoch: 0,
  },
  isBase64Encoded: false,
} as unknown as HttpEvent;

const context = {
  functionName: 'bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
  memoryLimitInMB: '512',
  awsRequestId: 'bench',
  logGroupName: '/aws/lambda/bench',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

const body = { items: [] };
const ours = tracedHttpHandler({ access: 'public' }, async () => json(200, body));
const bare = async (_event: HttpEvent, _context: Context) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function timePerCall(handler: (event: HttpEvent, context: Context) => Promise<unknown>, n: number) {
  const started = performance.now();
  for (let i = 0; i < n; i++) await handler(event, context);
  return (performance.now() - started) / n;
}

await timePerCall(ours, 500);
await timePerCall(bare, 500);
const oursMs: number[] = [];
const bareMs: number[] = [];
for (let round = 0; round < rounds; round++) {
  oursMs.push(await timePerCall(ours, iterations));
  bareMs.push(await timePerCall(bare, iterations));
}
process.send?.({ oursMs, bareMs });
