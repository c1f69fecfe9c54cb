/**
 * `npm run bench`, initRatio: run in a fresh process per sample. Imports one bundled handler (cold module
 * load) and invokes it once, then reports both times on the last stdout line (the handler may log).
 * argv: <bundle.mjs> <event JSON>
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
const started = performance.now();
const module = await import(pathToFileURL(String(file)).href);
const loaded = performance.now();
await module.handler(JSON.parse(String(eventJson)), context);
const invoked = performance.now();
process.stdout.write(
  `\nINIT_RESULT ${JSON.stringify({ loadMs: loaded - started, firstInvokeMs: invoked - loaded, totalMs: invoked - started })}\n`,
);
