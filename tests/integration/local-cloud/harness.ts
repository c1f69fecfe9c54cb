import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
// serverless-offline's own Lambda service (the one `sls offline` serves on lambdaPort): its invoke route answers
// handler errors, timeouts and unknown functions exactly as in a running stack.
// @ts-expect-error serverless-offline ships no type declarations
import Lambda from 'serverless-offline/lambda';

export type TestHandler = (event: unknown, context: Context) => unknown;

declare global {
  var __localCloudHandlers: Record<string, TestHandler> | undefined;
}

/**
 * Starts serverless-offline's Lambda endpoint with one function per entry of `functions`; each is deployed as
 * `svc-test-<key>` and runs `handler` in this process.
 */
export async function startOfflineLambda(
  port: number,
  functions: Record<string, { handler: TestHandler; timeoutSeconds?: number }>,
  options: { maxSandboxesPerFunction?: number } = {},
) {
  globalThis.__localCloudHandlers ??= {};
  const serverless = {
    service: {
      service: 'svc',
      provider: { region: 'us-east-1', runtime: 'nodejs22.x', timeout: 6, environment: {} },
      package: {},
    },
    config: { servicePath: join(import.meta.dirname, 'fixtures'), serverlessPath: '' },
    serviceDir: join(import.meta.dirname, 'fixtures'),
  };
  const lambda = new Lambda(serverless, {
    host: '127.0.0.1',
    lambdaPort: port,
    noTimeout: false,
    terminateIdleLambdaTime: 60,
    useInProcess: true,
    ...options,
  });
  const names: Record<string, string> = {};
  lambda.create(
    Object.entries(functions).map(([functionKey, fn]) => {
      const name = `svc-test-${functionKey}`;
      names[functionKey] = name;
      globalThis.__localCloudHandlers = { ...globalThis.__localCloudHandlers, [name]: fn.handler };
      return {
        functionKey,
        functionDefinition: { handler: 'handlers.handler', name, timeout: fn.timeoutSeconds ?? 6 },
      };
    }),
  );
  await lambda.start();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    /** Deployed name and timeout of a function, as the local cloud's invoker asks for them. */
    functionOf(functionKey: string) {
      const name = names[functionKey];
      if (!name) throw new Error(`no function ${functionKey}`);
      return { name, timeoutSeconds: functions[functionKey]?.timeoutSeconds ?? 6 };
    },
    async stop() {
      await lambda.stop(0);
      await lambda.cleanup();
    },
  };
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
