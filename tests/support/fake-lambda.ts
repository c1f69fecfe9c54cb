import { createServer } from 'node:http';

/** One call of Lambda's Invoke API, as the fake received it. */
export interface Invocation {
  /** The FunctionName of the call, decoded: a name or an ARN. */
  functionName: string;
  /** X-Amz-Invocation-Type: RequestResponse (the SDK's default) or Event. */
  invocationType: string;
  event: any;
}

/**
 * Lambda's Invoke API (POST /2015-03-31/functions/{name}/invocations) on a free port, for the operator
 * scripts' tests: every call is recorded; a RequestResponse call runs `run`, and a throw becomes a function
 * error (HTTP 200 with X-Amz-Function-Error, as Lambda reports an exception); an Event call is queued
 * (202) and not run.
 */
export interface FakeLambda {
  endpoint: string;
  /** Every call received, in order. */
  invocations: Invocation[];
  stop(): Promise<void>;
}

export async function startFakeLambda(
  run: (invocation: Invocation) => Promise<unknown> = async () => null,
): Promise<FakeLambda> {
  const invocations: Invocation[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
    if (request.method !== 'POST' || !match?.[1]) {
      response.writeHead(404).end();
      return;
    }
    const invocation: Invocation = {
      functionName: decodeURIComponent(match[1]),
      invocationType: String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse'),
      event: JSON.parse(Buffer.concat(chunks).toString('utf8')),
    };
    invocations.push(invocation);
    if (invocation.invocationType === 'Event') {
      response.writeHead(202).end();
      return;
    }
    try {
      const result = await run(invocation);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result ?? null));
    } catch (error) {
      response
        .writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
        .end(JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    invocations,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
